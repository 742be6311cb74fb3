using LensAI.Backend;
using LensAI.Backend.Budgets;
using LensAI.Backend.Keys;
using LensAI.Backend.Storage;
using LensAI.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LensAI.Cli;

/// <summary>The storage and configuration switches every command takes.</summary>
internal sealed record BackendSettings(string? DataFolder, IReadOnlyList<string> Config, bool Verbose, string WorkingDirectory, string? Urls = null);
