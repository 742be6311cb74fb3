namespace LensAI.Cli;

/// <summary>The storage and configuration switches every command takes.</summary>
internal sealed record BackendSettings(string? DataFolder, IReadOnlyList<string> Config, bool Verbose, string WorkingDirectory, string? Urls = null);
