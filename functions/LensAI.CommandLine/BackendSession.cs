using LensAI.Backend;
using LensAI.Backend.Budgets;
using LensAI.Backend.Keys;
using LensAI.Backend.Storage;
using LensAI.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LensAI.Cli;

/// <summary>
/// The backend in process, built exactly as the ASP.NET Core app builds it (<see cref="LensAIBackendApp.Build"/>): same
/// configuration sources (appsettings.json, <c>LensAI__…</c> environment variables, then these switches), same
/// services. Commands other than <c>serve</c> never start the web server or the job scheduler.
/// </summary>
internal sealed class BackendSession : IAsyncDisposable
{
    private BackendSession(WebApplication app, string? missingFolder)
    {
        App = app;
        _missingFolder = missingFolder;
    }

    /// <summary>The local store's folder when it did not exist as the session opened (read commands then fail clearly).</summary>
    private readonly string? _missingFolder;

    public WebApplication App { get; }

    public BackendOptions Options => Get<BackendOptions>();

    /// <summary>A short description of where the data is (never a secret).</summary>
    public string StorageDescription => Options.Storage.ToString();

    public T Get<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    private const string LocalPathKey = "LensAI:Backend:Storage:LocalPath";
    private const string KindKey = "LensAI:Backend:Storage:Kind";

    public static BackendSession Open(BackendSettings settings, bool serve = false)
    {
        var args = new List<string>();
        foreach (var pair in settings.Config)
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0)
            {
                throw new UsageException($"--config '{pair}' is not KEY=VALUE (e.g. LensAI:Backend:Storage:Kind=S3).");
            }

            args.AddRange(["--" + pair[..at].Trim(), pair[(at + 1)..]]);
        }

        // After the --config pairs: a later command-line value wins, so --data overrides a --config LocalPath (as documented).
        if (!string.IsNullOrWhiteSpace(settings.DataFolder))
        {
            args.AddRange(["--" + LocalPathKey, Path.GetFullPath(settings.DataFolder, settings.WorkingDirectory)]);
        }

        if (serve)
        {
            if (settings.Urls is { Length: > 0 } urls)
            {
                args.AddRange(["--urls", urls]);
            }
        }
        else
        {
            args.AddRange(["--LensAI:Backend:RunScheduler", "false"]);
        }

        try
        {
            string? missingFolder = null;
            var app = LensAIBackendApp.Build([.. args], builder =>
            {
                // The default local store is .lensai/data under the working directory, as for the backend.
                if (string.IsNullOrEmpty(builder.Configuration[LocalPathKey])
                    && string.Equals(builder.Configuration[KindKey] ?? "Local", "Local", StringComparison.OrdinalIgnoreCase))
                {
                    builder.Configuration[LocalPathKey] = Path.Combine(settings.WorkingDirectory, ".lensai", "data");
                }

                if (string.Equals(builder.Configuration[KindKey] ?? "Local", "Local", StringComparison.OrdinalIgnoreCase)
                    && builder.Configuration[LocalPathKey] is { Length: > 0 } local)
                {
                    // A relative path (from LensAI__Backend__Storage__LocalPath) is relative to the working directory too.
                    var full = Path.GetFullPath(local, settings.WorkingDirectory);
                    builder.Configuration[LocalPathKey] = full;
                    missingFolder = Directory.Exists(full) ? null : full;
                }

                if (serve)
                {
                    // Logs on stderr: stdout carries only results (here, the address once it listens).
                    builder.Logging.ClearProviders();
                    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
                    if (!settings.Verbose)
                    {
                        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
                    }

                    return;
                }

                builder.Logging.ClearProviders();
                if (settings.Verbose)
                {
                    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
                }
            });
            return new BackendSession(app, missingFolder);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException("Configuration: " + ex.Message);
        }
    }

    /// <summary>
    /// Throws a <see cref="UsageException"/> (exit code 2) when the local data folder did not exist when the command
    /// started (a typo in --data, the wrong working directory), removing the empty folder opening the store made.
    /// Commands that read (everything but <c>keys create</c> and <c>serve</c>) call it first.
    /// </summary>
    public void EnsureData()
    {
        if (_missingFolder is null)
        {
            return;
        }

        try
        {
            if (Directory.Exists(_missingFolder) && !Directory.EnumerateFileSystemEntries(_missingFolder, "*", SearchOption.AllDirectories).Any(File.Exists))
            {
                Directory.Delete(_missingFolder, recursive: true);
            }
        }
        catch (IOException)
        {
        }

        throw new UsageException($"No LensAI data at '{_missingFolder}': the folder does not exist. Point --data (or LensAI__Backend__Storage__LocalPath) " +
                                 "at the folder the backend writes, or start a project there with 'lensai keys create'.");
    }

    /// <summary>
    /// Throws a <see cref="UsageException"/> (exit code 2) unless the project exists: it has an API key (even a
    /// revoked one), events, or budgets in this storage.
    /// </summary>
    public async Task EnsureProjectAsync(string project, CancellationToken cancellationToken)
    {
        EnsureData();

        if ((await Get<ApiKeyStore>().ListAsync(project, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return;
        }

        var store = Get<IObjectStore>();
        await foreach (var _ in store.ListAsync($"events/project={project}/", cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (await store.GetAsync(BudgetStore.BudgetsKey(project), cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }

        throw new UsageException($"Project '{project}' not found in {StorageDescription}: it has no API keys, events or budgets. " +
                                 $"Check --project and --data, or create it with 'lensai keys create --project {project}'.");
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync().ConfigureAwait(false);
}
