using LensAI.Budgets;
using LensAI.Connection;
using LensAI.Capture;
using LensAI.Diagnostics;
using LensAI.Pricing;
using LensAI.Shipping;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LensAI;

/// <summary>
/// The LensAI SDK: wraps LLM clients, prices every call, buffers the events and ships them to the ingest endpoint.
/// Create one per application (it is thread-safe) and dispose it on shutdown so buffered events are flushed.
/// </summary>
/// <example>
/// <code>
/// await using var lens = LensAIClient.Create(new LensAIOptions { Endpoint = new("https://ingest.example"), ApiKey = key });
/// var http = lens.CreateHttpClient();   // every OpenAI / Anthropic / Gemini call through it is captured
/// using var _ = lens.BeginScope(userId: "u-42", route: "POST /chat");
/// </code>
/// </example>
public sealed class LensAIClient : IAsyncDisposable, IDisposable
{
    private readonly BatchProcessor _processor;
    private readonly BackendConnection? _connection;
    private readonly LensAIMetrics _metrics;
    private int _disposed;

    internal LensAIClient(LensAIOptions options, ILoggerFactory? loggerFactory, TimeProvider timeProvider, HttpMessageHandler? backendTransport = null, Func<double>? retryJitter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid LensAI options: " + string.Join(" ", errors), nameof(options));
        }

        Options = options;
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("LensAI");
        BatchProcessor? processor = null;
        _metrics = new LensAIMetrics(() => processor?.QueueLength ?? 0, () => processor?.StoredBytes ?? 0);
        Catalog = options.PriceOverrides.Count > 0 || options.ModelAliases.Count > 0 || options.ProviderDiscounts.Count > 0
            ? PriceCatalog.Default.WithOverrides(options.PriceOverrides, options.ModelAliases.AsReadOnly(), options.ProviderDiscounts.AsReadOnly())
            : PriceCatalog.Default;

        // One connection to the backend, shared by shipping and the budget status poller.
        _connection = options.Endpoint is null ? null : new BackendConnection(options.Endpoint, options.ApiKey, backendTransport);
        _processor = processor = new BatchProcessor(options, CreateTransport(options, _connection, timeProvider, _metrics, logger, retryJitter), timeProvider, _metrics, logger);
        Engine = new CaptureEngine(options, Catalog, timeProvider, _processor, _metrics, logger);
        Engine.Recorded = e => Recorded?.Invoke(this, e);
        if (options.Enabled && options.Budgets.Enabled && _connection is not null)
        {
            Engine.Budgets = Budgets = new BudgetGuard(options, Catalog, timeProvider, _metrics, logger);
            BudgetPoller = new BudgetStatusPoller(Budgets, _connection, options, timeProvider, _metrics, logger);
        }
    }

    /// <summary>
    /// Raised synchronously on the thread that completed a call, with its priced event, before it is queued for shipping.
    /// Use it for local views (a per-request cost header, logs); keep handlers fast. A handler's exception is
    /// counted and logged, never thrown into the LLM call.
    /// </summary>
    public event EventHandler<UsageEvent>? Recorded;

    /// <summary>Creates a client. The options are validated now; a bad value throws an <see cref="ArgumentException"/> naming the option.</summary>
    public static LensAIClient Create(LensAIOptions options, ILoggerFactory? loggerFactory = null)
        => new(options, loggerFactory, TimeProvider.System);

    /// <summary>The options the client runs with. Do not change them after creation.</summary>
    public LensAIOptions Options { get; }

    /// <summary>The price catalogue in use: the embedded one with the options' overrides, aliases and discounts applied.</summary>
    public PriceCatalog Catalog { get; }

    internal CaptureEngine Engine { get; }

    /// <summary>The budget guard, when budgets are enforced (an endpoint is set and budgets are enabled).</summary>
    internal BudgetGuard? Budgets { get; }

    /// <summary>Reads the budget status for <see cref="Budgets"/>.</summary>
    internal BudgetStatusPoller? BudgetPoller { get; }

    internal BatchProcessor Pipeline => _processor;

    internal LensAIMetrics Metrics => _metrics;

    /// <summary>
    /// Creates an <see cref="HttpClient"/> whose LLM API calls (OpenAI, Azure OpenAI, Anthropic, Gemini and configured
    /// OpenAI-compatible servers) are captured. Give it to any SDK that accepts an HttpClient.
    /// </summary>
    /// <param name="innerHandler">The handler that sends the requests; default a new <see cref="SocketsHttpHandler"/>.</param>
    public HttpClient CreateHttpClient(HttpMessageHandler? innerHandler = null)
        => new(CreateHandler(innerHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }), disposeHandler: true);

    /// <summary>Creates the capturing <see cref="DelegatingHandler"/>, for a handler chain you build yourself.</summary>
    /// <param name="innerHandler">The next handler; leave <see langword="null"/> when a factory (IHttpClientFactory) sets it.</param>
    public DelegatingHandler CreateHandler(HttpMessageHandler? innerHandler = null) => new LensAIHttpHandler(Engine, innerHandler);

    /// <summary>
    /// Attributes every call made in this async flow (until the scope is disposed) to a user, a route and metadata.
    /// Scopes nest: an inner scope's values win, metadata merges. Per-request values win over the scope.
    /// </summary>
    public IDisposable BeginScope(string? userId = null, string? route = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return AttributionScope.Begin(userId, route, metadata);
    }

    /// <summary>
    /// Ships every event captured so far (and retries the spool) within <paramref name="timeout"/>.
    /// </summary>
    /// <returns><see langword="true"/> when everything was delivered and nothing is left in the spool.</returns>
    public Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _processor.FlushAsync(timeout, cancellationToken);
    }

    /// <summary>Flushes within <see cref="LensAIOptions.ShutdownTimeout"/>, spools what is left, and stops. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (BudgetPoller is not null)
        {
            await BudgetPoller.DisposeAsync().ConfigureAwait(false);
        }

        await _processor.DisposeAsync().ConfigureAwait(false);
        _connection?.Dispose();
        _metrics.Dispose();
    }

    /// <summary>
    /// The transport chain: the ingest transport, wrapped in the spooling transport when a spool is enabled (and its
    /// folder can be made); none without an endpoint.
    /// </summary>
    private static IEventTransport? CreateTransport(LensAIOptions options, BackendConnection? connection, TimeProvider time, LensAIMetrics metrics, ILogger logger, Func<double>? retryJitter)
    {
        if (connection is null)
        {
            return null;
        }

        var ingest = new IngestTransport(options, connection, time, metrics, logger, retryJitter);
        if (!options.EnableSpool)
        {
            return ingest;
        }

        var directory = options.SpoolDirectory ?? DiskSpool.DefaultDirectory(options);
        try
        {
            var spool = new DiskSpool(directory, options.SpoolMaxBytes, options.SpoolMaxAge, options.OverflowPolicy, time, metrics, logger);
            return new SpoolingTransport(ingest, spool, options.SpoolReplayInterval, time, metrics, logger);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.SpoolFailed(logger, directory, ex);
            return ingest;
        }
    }

    /// <summary>Synchronous <see cref="DisposeAsync"/> (blocks up to the shutdown timeout).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
