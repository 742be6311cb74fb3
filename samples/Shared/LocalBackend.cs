using System.Data;
using DuckDB.NET.Data;
using LensAI.Backend.Jobs;
using LensAI.Backend.Keys;
using LensAI.Backend.Parquet;
using LensAI.Backend.Storage;
using LensAI.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LensAI.Samples;

/// <summary>
/// The embedded default backend (the backend: ingest, Parquet on a local folder, DuckDB, jobs) started in this
/// process on 127.0.0.1, with a fresh project API key. The samples use it when <c>LENSAI_ENDPOINT</c> is not set; in
/// your app, point <c>LensAI:Endpoint</c> at the deployed backend instead.
/// </summary>
public sealed class LocalBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly StatusPollCounter _polls;

    private LocalBackend(WebApplication app, StatusPollCounter polls, string dataDirectory, string project, string apiKey)
    {
        _app = app;
        _polls = polls;
        DataDirectory = dataDirectory;
        Project = project;
        ApiKey = apiKey;
        Endpoint = new Uri(app.Urls.First().TrimEnd('/') + "/");
    }

    /// <summary>The backend's base URL: <c>LensAI:Endpoint</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>A project API key created at start: <c>LensAI:ApiKey</c>.</summary>
    public string ApiKey { get; }

    /// <summary>The project the key belongs to.</summary>
    public string Project { get; }

    /// <summary>Where the backend keeps everything (events as Hive-partitioned Parquet under <c>events/</c>).</summary>
    public string DataDirectory { get; }

    /// <summary>The backend's services (<see cref="JobRunner"/>, <see cref="EventStore"/>, <c>ReportService</c>, …).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Runs the timer jobs on demand (the samples start the backend without its scheduler).</summary>
    public JobRunner Jobs => Services.GetRequiredService<JobRunner>();

    /// <summary>The object store (a local folder here; S3 or Azure Blob when deployed).</summary>
    public IObjectStore Store => Services.GetRequiredService<IObjectStore>();

    /// <summary>The file that marks a folder as one a sample created, so a later run may empty it.</summary>
    public const string MarkerFile = ".lensai-sample-data";

    /// <summary>
    /// Empties <paramref name="dataDirectory"/> for a fresh run — only when it is empty or a sample made it (it holds
    /// <see cref="MarkerFile"/>): <c>--data-dir .</c> or a folder of the user's must never be wiped.
    /// </summary>
    public static void ResetDataDirectory(string dataDirectory)
    {
        var full = Path.GetFullPath(dataDirectory);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            // Made by a sample: it has the marker, or (from before the marker existed) nothing but the backend's two folders.
            var names = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
            if (!names.Contains(MarkerFile) && !names.IsSubsetOf(["store", "work"]))
            {
                throw new InvalidOperationException(
                    $"--data-dir '{full}' is not empty and was not created by a LensAI sample; refusing to delete it. Pass an empty or new folder.");
            }

            Directory.Delete(full, recursive: true);
        }

        Directory.CreateDirectory(full);
        File.WriteAllText(Path.Combine(full, MarkerFile), "Created by a LensAI sample; emptied at the start of each run.\n");
    }

    /// <summary>
    /// Starts the backend over <paramref name="dataDirectory"/> (emptied first, so every run starts from a clean store)
    /// and creates a key for <paramref name="project"/>. <paramref name="settings"/> are extra configuration values
    /// (<c>LensAI:Backend:…</c>); <paramref name="configure"/> can replace services before the backend registers its own.
    /// </summary>
    public static async Task<LocalBackend> StartAsync(string dataDirectory, string project, IReadOnlyDictionary<string, string>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        ResetDataDirectory(dataDirectory);

        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0",
            "--LensAI:Backend:Storage:LocalPath", Path.Combine(dataDirectory, "store"),
            "--LensAI:Backend:WorkDirectory", Path.Combine(dataDirectory, "work"),
            "--LensAI:Backend:RunScheduler", "false", // the samples run the jobs themselves, when the story needs them (a setting can turn it on)
            "--LensAI:Backend:DuckDbThreads", "2",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            args.Add("--" + key);
            args.Add(value);
        }

        var polls = new StatusPollCounter();
        var app = LensAIBackendApp.Build([.. args], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<IStartupFilter>(polls);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        try
        {
            var key = await app.Services.GetRequiredService<ApiKeyStore>().CreateAsync(project, "samples", CancellationToken.None);
            return new LocalBackend(app, polls, dataDirectory, project, key.Key);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Replaces the project's budgets with <paramref name="budgetsJson"/> (docs/budgets.md's format) through
    /// <c>PUT /v1/budgets</c> with the project's key, as a budget owner or <c>lensai budgets set</c> does; the backend
    /// validates the file and checks the project against it at once.
    /// </summary>
    public async Task SetBudgetsAsync(string budgetsJson, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { BaseAddress = Endpoint };
        using var request = new HttpRequestMessage(HttpMethod.Put, "v1/budgets") { Content = new StringContent(budgetsJson, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT /v1/budgets answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
    }

    /// <summary>
    /// Waits until the SDK has certainly applied the kill-switch document as it is now: two polls of
    /// <c>GET /v1/budgets/status</c> that arrive after this call (the first reads the new document; the SDK only sends
    /// the next one once it has applied the first). Demo plumbing, for one SDK instance polling this backend: a real app
    /// never waits — the SDK picks the document up on its next poll (<c>LensAI:Budgets:PollInterval</c>, 30 s by default).
    /// </summary>
    public Task WaitForBudgetPollsAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => _polls.WaitAsync(2, timeout, cancellationToken);

    /// <summary>
    /// Runs <paramref name="sql"/> over the project's events as stored in Parquet (the last two days, one row per
    /// <c>event_id</c>), with <c>{events}</c> standing for the relation, and hands each row to <paramref name="onRow"/>.
    /// The SQL is the sample's own text; the part paths are bound as the parameter <c>$files</c>.
    /// </summary>
    public Task QueryEventsAsync(string sql, Action<EventRow> onRow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(onRow);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        return Services.GetRequiredService<EventStore>().QueryAsync(Project, today.AddDays(-1), today, paths =>
        {
            // A DuckDB of the sample's own, in memory: it only reads the Parquet parts the backend listed.
            using var connection = new DuckDBConnection("DataSource=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql.Replace("{events}", EventStore.DedupedRelation(paths), StringComparison.Ordinal);
            command.Parameters.Add(new DuckDBParameter(EventStore.FilesParameter, paths.ToList()));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                onRow(new EventRow(reader));
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>Stops the backend (the data folder stays, so you can query it afterwards).</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Counts kill-switch polls as they arrive (a startup filter runs before the app's own middleware).</summary>
    private sealed class StatusPollCounter : IStartupFilter
    {
        private int _count;
        private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Equals("/v1/budgets/status", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _count);
                    Interlocked.Exchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }

                return following(context);
            });
            next(app);
        };

        public async Task WaitAsync(int polls, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var target = Volatile.Read(ref _count) + polls;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            while (Volatile.Read(ref _count) < target)
            {
                var signal = Volatile.Read(ref _signal).Task;
                if (Volatile.Read(ref _count) >= target)
                {
                    break;
                }

                try
                {
                    await signal.WaitAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"The SDK did not poll the budget status within {timeout.TotalSeconds:0} s. Is LensAI:Budgets:PollInterval short and the SDK pointed at this backend?");
                }
            }
        }
    }
}

/// <summary>One row of <see cref="LocalBackend.QueryEventsAsync"/>: the values by column, a NULL string read as null.</summary>
public readonly struct EventRow(IDataRecord record)
{
    public bool IsNull(int column) => record.IsDBNull(column);

    public string? GetString(int column) => record.IsDBNull(column) ? null : record.GetString(column);

    /// <summary>Any integer column (DuckDB's <c>sum</c> of integers is a HUGEINT) as a <see cref="long"/>.</summary>
    public long GetInt64(int column) => record.GetValue(column) switch
    {
        System.Numerics.BigInteger big => (long)big,
        var value => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>A DECIMAL column, exactly.</summary>
    public decimal GetDecimal(int column) => record.GetDecimal(column);

    public int GetInt32(int column) => record.GetInt32(column);

    public double GetDouble(int column) => record.GetDouble(column);

    public bool GetBoolean(int column) => record.GetBoolean(column);
}
