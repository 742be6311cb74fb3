using LensAI.Backend.DuckDb;
using LensAI.Backend.Jobs;
using LensAI.Backend.Keys;
using LensAI.Backend.Parquet;
using LensAI.Backend.Storage;
using LensAI.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LensAI.Testing;

/// <summary>
/// The one way tests and benchmarks start a backend in process: the ASP.NET Core app built by the composition root
/// (<see cref="LensAIBackendApp"/>) on 127.0.0.1 (a random free port) over a temp data folder (<c>store/</c> and
/// <c>work/</c>), the in-process scheduler off (tests run jobs through <see cref="Jobs"/>). Stopped and its folder
/// deleted on dispose. For a real process (kill it, run a documented command), see <see cref="BackendProcess"/>.
/// </summary>
public sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestBackend(WebApplication app, string dataDirectory)
    {
        _app = app;
        DataDirectory = dataDirectory;
        BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/");
    }

    /// <summary>Where it listens, with a trailing slash.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The temp folder: the store in <c>store/</c>, the work folder in <c>work/</c>.</summary>
    public string DataDirectory { get; }

    /// <summary>The local store's folder (unless settings point it elsewhere).</summary>
    public string StoreDirectory => Path.Combine(DataDirectory, "store");

    public IServiceProvider Services => _app.Services;

    public IObjectStore Store => Services.GetRequiredService<IObjectStore>();

    /// <summary>Runs the timer jobs on demand.</summary>
    public JobRunner Jobs => Services.GetRequiredService<JobRunner>();

    /// <summary>
    /// Starts a backend. <paramref name="settings"/> are configuration values (<c>LensAI:Backend:…</c>; they win over the
    /// temp folder's, so a test may point the store elsewhere); <paramref name="configure"/> runs before the backend
    /// registers its services (what it registers wins); <paramref name="store"/> makes the object store from the store
    /// folder's path (e.g. a fault-injecting wrapper).
    /// </summary>
    public static async Task<TestBackend> StartAsync(Action<WebApplicationBuilder>? configure = null, Dictionary<string, string?>? settings = null, Func<string, IObjectStore>? store = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "lensai-backend-" + Guid.NewGuid().ToString("N"));
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0",
            "--LensAI:Backend:Storage:LocalPath", Path.Combine(data, "store"),
            "--LensAI:Backend:WorkDirectory", Path.Combine(data, "work"),
            "--LensAI:Backend:RunScheduler", "false",
        };
        foreach (var (key, value) in settings ?? [])
        {
            args.Add("--" + key);
            args.Add(value ?? "");
        }

        var app = LensAIBackendApp.Build([.. args], builder =>
        {
            builder.Logging.ClearProviders();
            if (store is not null)
            {
                var custom = store(Path.Combine(data, "store"));
                builder.Services.AddSingleton(custom);
            }

            configure?.Invoke(builder);
        });
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new TestBackend(app, data);
    }

    /// <summary>A new API key of <paramref name="project"/> with every scope.</summary>
    public async Task<string> CreateKeyAsync(string project, string name = "test")
        => (await Services.GetRequiredService<ApiKeyStore>().CreateAsync(project, name, CancellationToken.None).ConfigureAwait(false)).Key;

    /// <summary>A new API key of <paramref name="project"/> with <paramref name="scopes"/> (<c>ingest,read</c>), expiring at <paramref name="expires"/>.</summary>
    public async Task<string> CreateKeyAsync(string project, string name, string scopes, DateTimeOffset? expires = null)
    {
        if (!ApiKeyScopeNames.TryParse([scopes], out var granted, out var error))
        {
            throw new ArgumentException(error, nameof(scopes));
        }

        return (await Services.GetRequiredService<ApiKeyStore>().CreateAsync(project, name, granted, expires, "test", CancellationToken.None).ConfigureAwait(false)).Key;
    }

    /// <summary>An HTTP client for this backend, sending <paramref name="key"/> as the Bearer token when given.</summary>
    public HttpClient Client(string? key)
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        return http;
    }

    /// <summary>Every stored part of a project.</summary>
    public async Task<List<string>> PartsAsync(string project)
    {
        var keys = new List<string>();
        await foreach (var o in Store.ListAsync($"events/project={project}/", CancellationToken.None).ConfigureAwait(false))
        {
            keys.Add(o.Key);
        }

        return keys;
    }

    /// <summary>
    /// Runs SQL over the project's parts read straight from the store (the deduplicated relation as <c>{events}</c>),
    /// with <paramref name="parameters"/> bound by name (<c>$name</c>).
    /// </summary>
    public async Task<List<Dictionary<string, object?>>> QueryAsync(string project, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var parts = await PartsAsync(project).ConfigureAwait(false);
        var paths = await Services.GetRequiredService<EventStore>().LocalPathsAsync(parts, CancellationToken.None).ConfigureAwait(false);
        using var connection = Services.GetRequiredService<DuckDbConnectionFactory>().Open();
        return connection.Query(
            sql.Replace("{events}", EventStore.DedupedRelation(paths), StringComparison.Ordinal),
            row => Enumerable.Range(0, row.FieldCount).ToDictionary(row.GetName, row.Value, StringComparer.Ordinal),
            [EventStore.Files(paths), .. parameters]);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
