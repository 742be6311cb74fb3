using LensAI.Backend.DuckDb;
using LensAI.Backend.Keys;
using LensAI.Backend.Storage;
using LensAI.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LensAI.Functions.Tests;

/// <summary>The real function app on 127.0.0.1 (random free port) over a temp data folder; stopped and cleaned on dispose.</summary>
internal sealed class BackendHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BackendHost(WebApplication app, string dataDirectory)
    {
        _app = app;
        DataDirectory = dataDirectory;
        BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/");
    }

    public Uri BaseAddress { get; }

    public string DataDirectory { get; }

    public IServiceProvider Services => _app.Services;

    public IObjectStore Store => Services.GetRequiredService<IObjectStore>();

    public static async Task<BackendHost> StartAsync(Action<WebApplicationBuilder>? configure = null, Dictionary<string, string?>? settings = null, Func<string, IObjectStore>? store = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "lensai-backend-" + Guid.NewGuid().ToString("N"));
        if (store is not null)
        {
            var custom = store(Path.Combine(data, "store"));
            configure = (configure ?? (_ => { })) + (b => b.Services.AddSingleton(custom));
        }

        var args = new List<string> { "--urls", "http://127.0.0.1:0", "--LensAI:Backend:Storage:LocalPath", Path.Combine(data, "store"), "--LensAI:Backend:WorkDirectory", Path.Combine(data, "work"), "--LensAI:Backend:RunScheduler", "false" };
        foreach (var (key, value) in settings ?? [])
        {
            args.Add("--" + key);
            args.Add(value ?? "");
        }

        var app = LensAIBackendApp.Build(args.ToArray(), builder =>
        {
            builder.Logging.ClearProviders();
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        return new BackendHost(app, data);
    }

    public LensAI.Backend.Jobs.JobRunner Jobs => Services.GetRequiredService<LensAI.Backend.Jobs.JobRunner>();

    public async Task<string> CreateKeyAsync(string project)
        => (await Services.GetRequiredService<ApiKeyStore>().CreateAsync(project, "test", CancellationToken.None)).Key;

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
        await foreach (var o in Store.ListAsync($"events/project={project}/", CancellationToken.None))
        {
            keys.Add(o.Key);
        }

        return keys;
    }

    /// <summary>
    /// Runs SQL over the project's parts read straight from the local store (the deduplicated relation as <c>{events}</c>),
    /// with <paramref name="parameters"/> bound by name (<c>$name</c>).
    /// </summary>
    public async Task<List<Dictionary<string, object?>>> QueryAsync(string project, string sql, params (string Name, object? Value)[] parameters)
    {
        var parts = await PartsAsync(project);
        var paths = await Services.GetRequiredService<LensAI.Backend.Parquet.EventStore>().LocalPathsAsync(parts, CancellationToken.None);
        using var connection = Services.GetRequiredService<DuckDbConnectionFactory>().Open();
        var relation = LensAI.Backend.Parquet.EventStore.DedupedRelation(paths);
        return connection.Query(
            sql.Replace("{events}", relation, StringComparison.Ordinal),
            row => Enumerable.Range(0, row.FieldCount).ToDictionary(row.GetName, row.Value, StringComparer.Ordinal),
            [LensAI.Backend.Parquet.EventStore.Files(paths), .. parameters]);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
