using LensAI.Pricing;

namespace LensAI;

/// <summary>
/// Options of the LensAI SDK. Bound from the configuration section <c>LensAI</c> by <c>AddLensAI()</c>;
/// every value is validated when the client is created, and a bad one fails with the option's name.
/// </summary>
public sealed class LensAIOptions
{
    /// <summary>The configuration section the options bind from: <c>LensAI</c>.</summary>
    public const string SectionName = "LensAI";

    /// <summary>Default of <see cref="QueueCapacity"/>.</summary>
    public const int DefaultQueueCapacity = 10_000;

    /// <summary>Default of <see cref="MaxBatchSize"/>.</summary>
    public const int DefaultMaxBatchSize = 500;

    /// <summary>Largest accepted <see cref="MaxBatchSize"/> (the ingest endpoint refuses bigger batches).</summary>
    public const int MaxAllowedBatchSize = 10_000;

    /// <summary>Default of <see cref="SpoolMaxBytes"/>: 64 MiB.</summary>
    public const long DefaultSpoolMaxBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Base URL of the LensAI ingest function (events go to <c>{Endpoint}/v1/events</c>). When <see langword="null"/>,
    /// calls are still captured, priced and counted in process (budgets, metrics) but nothing is shipped.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The project API key (<c>Authorization: Bearer …</c>). Required with <see cref="Endpoint"/>. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>When <see langword="false"/>, the wrappers pass every call through untouched and record nothing.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Capacity of the in-memory event buffer. Default 10,000 events (a few MB).</summary>
    public int QueueCapacity { get; set; } = DefaultQueueCapacity;

    /// <summary>Most events per shipped batch. Default 500.</summary>
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;

    /// <summary>Longest an event waits in the buffer before its batch is shipped. Default 5 s.</summary>
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of one HTTP attempt to ship a batch. Default 10 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Overall deadline for one batch, retries included, before it goes to the spool. Default 30 s.</summary>
    public TimeSpan BatchDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a batch after a transient failure (5xx, 408, 429, network, timeout). Default 4.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>First retry delay; later ones grow exponentially with jitter, and a server's <c>Retry-After</c> wins. Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long shutdown (<see cref="LensAIClient.DisposeAsync"/>, host stop) tries to ship before spooling the rest. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether batches that cannot be shipped are spooled to disk and replayed later. Default <see langword="true"/>.</summary>
    public bool EnableSpool { get; set; } = true;

    /// <summary>
    /// Spool folder. Default: <c>{LocalApplicationData}/LensAI/spool/{hash of endpoint and key}</c>.
    /// The spool is not encrypted: it holds the events as they would be sent (no prompts, no API keys).
    /// </summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>Cap of the spool on disk. Default 64 MiB.</summary>
    public long SpoolMaxBytes { get; set; } = DefaultSpoolMaxBytes;

    /// <summary>Spooled batches older than this are deleted (and counted as dropped). Default 48 h.</summary>
    public TimeSpan SpoolMaxAge { get; set; } = TimeSpan.FromHours(48);

    /// <summary>How long the circuit stays open after repeated failures (tests shorten it). Default 15 s.</summary>
    internal TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the spool is retried while the backend is unreachable. Default 30 s.</summary>
    public TimeSpan SpoolReplayInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What gives way when the buffer (or the spool) is full. Default <see cref="LensAI.OverflowPolicy.DropOldest"/>.</summary>
    public OverflowPolicy OverflowPolicy { get; set; } = OverflowPolicy.DropOldest;

    /// <summary>
    /// Adds <c>"stream_options":{"include_usage":true}</c> to OpenAI (and Azure OpenAI) streaming chat requests that
    /// lack it, so a stream's usage is never lost. The extra final chunk has no choices. Default <see langword="true"/>.
    /// </summary>
    public bool InjectStreamUsage { get; set; } = true;

    /// <summary>OpenAI-compatible servers (Groq, Together, vLLM, Ollama, …) recognized by base URL, with the provider name to record.</summary>
    public IList<OpenAICompatibleEndpoint> OpenAICompatibleEndpoints { get; } = new List<OpenAICompatibleEndpoint>();

    /// <summary>Prices that take precedence over the embedded catalogue (fine-tuned or custom models, negotiated prices).</summary>
    public IList<ModelPrice> PriceOverrides { get; } = new List<ModelPrice>();

    /// <summary>Model names mapped to catalogue models before pricing (e.g. an Azure deployment name to <c>gpt-4o</c>).</summary>
    public IDictionary<string, string> ModelAliases { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Negotiated discounts per provider as a fraction (0.2 = 20 % off list price).</summary>
    public IDictionary<string, decimal> ProviderDiscounts { get; } = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Metadata added to every event (e.g. <c>environment=prod</c>); scopes and per-call values win.</summary>
    public IDictionary<string, string> DefaultMetadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Counts the tokens of calls billed without a usage report (a stream abandoned or broken before its usage arrived,
    /// a call that timed out after it was sent), so they are recorded as estimates instead of $0. Default
    /// <see langword="null"/>: <see cref="LensAI.TokenEstimator.Default"/> (UTF-8 bytes ÷ 4). The <c>LensAI.Tokenizers</c>
    /// package sets a real tokenizer here (<c>services.AddLensAITokenizer()</c> or <c>options.UseTiktokenEstimator()</c>).
    /// </summary>
    public TokenEstimator? TokenEstimator { get; set; }

    /// <summary>Budget enforcement (the kill-switch): mode, poll interval, in-flight estimate (section <c>LensAI:Budgets</c>).</summary>
    public LensAIBudgetOptions Budgets { get; } = new();

    /// <summary>Validates the options; returns every problem, each naming its option.</summary>
    internal List<string> Validate()
    {
        var errors = new List<string>();
        if (Endpoint is not null)
        {
            if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"LensAI:Endpoint must be an absolute http(s) URL; got '{Endpoint}'.");
            }

            if (string.IsNullOrWhiteSpace(ApiKey))
            {
                errors.Add("LensAI:ApiKey is required when LensAI:Endpoint is set.");
            }
        }

        Positive(errors, QueueCapacity, nameof(QueueCapacity));
        if (MaxBatchSize is < 1 or > MaxAllowedBatchSize)
        {
            errors.Add($"LensAI:MaxBatchSize must be between 1 and {MaxAllowedBatchSize}; got {MaxBatchSize}.");
        }

        Positive(errors, MaxBatchDelay, nameof(MaxBatchDelay));
        Positive(errors, RequestTimeout, nameof(RequestTimeout));
        Positive(errors, BatchDeadline, nameof(BatchDeadline));
        Positive(errors, ShutdownTimeout, nameof(ShutdownTimeout));
        Positive(errors, SpoolMaxAge, nameof(SpoolMaxAge));
        Positive(errors, SpoolReplayInterval, nameof(SpoolReplayInterval));
        if (RetryBaseDelay < TimeSpan.Zero)
        {
            errors.Add($"LensAI:RetryBaseDelay must not be negative; got {RetryBaseDelay}.");
        }

        if (MaxRetryAttempts is < 0 or > 20)
        {
            errors.Add($"LensAI:MaxRetryAttempts must be between 0 and 20; got {MaxRetryAttempts}.");
        }

        if (SpoolMaxBytes < 1024 * 1024)
        {
            errors.Add($"LensAI:SpoolMaxBytes must be at least 1 MiB; got {SpoolMaxBytes}.");
        }

        if (!Enum.IsDefined(OverflowPolicy))
        {
            errors.Add($"LensAI:OverflowPolicy must be DropOldest or DropNewest; got {OverflowPolicy}.");
        }

        for (var i = 0; i < OpenAICompatibleEndpoints.Count; i++)
        {
            var endpoint = OpenAICompatibleEndpoints[i];
            if (endpoint.BaseUrl is not { IsAbsoluteUri: true })
            {
                errors.Add($"LensAI:OpenAICompatibleEndpoints:{i}:BaseUrl must be an absolute URL.");
            }

            if (string.IsNullOrWhiteSpace(endpoint.Provider))
            {
                errors.Add($"LensAI:OpenAICompatibleEndpoints:{i}:Provider is required.");
            }
        }

        for (var i = 0; i < PriceOverrides.Count; i++)
        {
            var price = PriceOverrides[i];
            if (string.IsNullOrWhiteSpace(price.Provider) || string.IsNullOrWhiteSpace(price.Model))
            {
                errors.Add($"LensAI:PriceOverrides:{i} needs both Provider and Model.");
            }

            if (price.InputPerMillion < 0 || price.OutputPerMillion < 0 || price.CachedInputPerMillion < 0 || price.CacheWritePerMillion < 0 || price.CacheWrite1hPerMillion < 0 || price.PerRequest < 0)
            {
                errors.Add($"LensAI:PriceOverrides:{i} ({price.Provider}/{price.Model}) has a negative price.");
            }
        }

        foreach (var (provider, discount) in ProviderDiscounts)
        {
            if (discount is < 0 or >= 1)
            {
                errors.Add($"LensAI:ProviderDiscounts:{provider} must be in [0, 1); got {discount}.");
            }
        }

        Budgets.Validate(errors);
        return errors;
    }

    private static void Positive(List<string> errors, int value, string name)
    {
        if (value <= 0)
        {
            errors.Add($"LensAI:{name} must be positive; got {value}.");
        }
    }

    private static void Positive(List<string> errors, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"LensAI:{name} must be positive; got {value}.");
        }
    }
}
