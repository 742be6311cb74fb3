using System.Threading.RateLimiting;
using LensAI.Backend.Keys;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary>
/// What every authenticated <c>/v1</c> endpoint checks first, once per request and the same in every host:
/// <c>Authorization: Bearer lsk_…</c> (401), charged to the per-key token bucket (429 with <c>Retry-After</c>; requests
/// without a valid key share one bucket), then the key's scope against the one the endpoint requires (403). The key
/// decides the project; the body never does. The scope an endpoint requires is declared once, where it is mapped:
/// <see cref="RequiredScope"/> metadata on the ASP.NET Core route, the same value passed by the worker's function. The ASP.NET Core app runs it as the endpoint filter of its <c>/v1</c> group
/// (<c>MapLensAIApi</c>); the Azure Functions worker's HTTP functions run it through <see cref="InvokeAsync"/>. An
/// admitted request carries its <see cref="ApiCaller"/> for the handler to read.
/// </summary>
internal sealed class ApiKeyGuard : IDisposable
{
    private const string Anonymous = "anonymous";
    private readonly ApiKeyStore _keys;
    private readonly BackendOptions _options;
    private readonly PartitionedRateLimiter<string> _limiter;
    private long _checks;

    public ApiKeyGuard(ApiKeyStore keys, BackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = keys;
        _options = options;
        _limiter = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.RateLimitBurst,
            TokensPerPeriod = options.RateLimitPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>How many requests this guard has checked (a test seam: one per request, whatever the host).</summary>
    internal long Checks => Interlocked.Read(ref _checks);

    /// <summary>
    /// Reads the <c>Authorization</c> header once and authenticates the key, then takes a token from that key's own
    /// bucket (named by its public prefix, never the secret). A request without a valid key draws from one shared
    /// bucket instead, so nobody can drain another key's bucket by sending its (public) prefix with a wrong secret, and
    /// made-up prefixes never create buckets. Returns the answer that refuses the request, or null when it is admitted
    /// (then <see cref="ApiCaller.Of"/> gives the caller).
    /// </summary>
    internal async ValueTask<IResult?> AdmitAsync(HttpContext http, RequiredScope? required)
    {
        ArgumentNullException.ThrowIfNull(http);
        Interlocked.Increment(ref _checks);
        var header = http.Request.Headers.Authorization.ToString();
        var parsed = ApiKey.TryParseAuthorization(header, out var bearer, out var key);

        // Looking a key up is cheap (an in-memory table, one SHA-256; an unknown prefix re-reads the key list at most
        // once a second), so it comes before the bucket: the bucket charged is the one of the key that was proven.
        var record = parsed ? await _keys.AuthenticateAsync(key, http.RequestAborted).ConfigureAwait(false) : null;
        if (Throttle(record is null ? Anonymous : key.Prefix) is { } throttled)
        {
            return throttled;
        }

        if (string.IsNullOrEmpty(header))
        {
            return Unauthorized("The request has no Authorization header; send 'Authorization: Bearer <project API key>'.");
        }

        if (!bearer)
        {
            return Unauthorized("The Authorization header must use the Bearer scheme.");
        }

        if (record is null)
        {
            return Unauthorized("The API key is not valid, has expired or has been revoked.");
        }

        if (required is null)
        {
            // Fail closed: an endpoint mapped without a scope is a bug, never an open door.
            return Problems.Of(StatusCodes.Status500InternalServerError, "no-scope-declared", "Endpoint without a scope", "This endpoint declares no API key scope, so no key may call it.");
        }

        if (!ApiKeyScopeNames.Allows(record.EffectiveScopes, required.Scope))
        {
            return Problems.Of(StatusCodes.Status403Forbidden, "insufficient-scope", "Insufficient scope",
                $"This endpoint needs a key with the '{ApiKeyScopeNames.Of(required.Scope)[0]}' scope; this key has: {string.Join(", ", ApiKeyScopeNames.Of(record.EffectiveScopes))}.",
                new Dictionary<string, object?> { ["required_scope"] = ApiKeyScopeNames.Of(required.Scope)[0] });
        }

        http.Features.Set(new ApiCaller(record.Project, key.Prefix) { KeyName = record.Name });
        return null;
    }

    /// <summary>
    /// Takes a token from the bucket named <paramref name="bucket"/> (a key's public prefix, or the bucket of an endpoint
    /// that is signed instead of keyed, such as the Stripe webhook); returns the 429 to answer when it is empty, else null.
    /// </summary>
    internal IResult? Throttle(string bucket)
    {
        using var lease = _limiter.AttemptAcquire(bucket);
        if (lease.IsAcquired)
        {
            return null;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var delay) && delay > TimeSpan.FromSeconds(1) ? delay : TimeSpan.FromSeconds(1);
        return Problems.Of(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
            $"This API key is limited to {_options.RateLimitPerSecond} requests per second (bursts of {_options.RateLimitBurst}). Retry after the delay.",
            retryAfter: retryAfter);
    }

    /// <summary>Admits the request to an endpoint needing <paramref name="required"/>, then runs <paramref name="handler"/>; or answers the refusal (the worker's HTTP functions).</summary>
    internal async Task<IResult> InvokeAsync(HttpContext http, RequiredScope required, Func<HttpContext, Task<IResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return await AdmitAsync(http, required).ConfigureAwait(false) ?? await handler(http).ConfigureAwait(false);
    }

    public void Dispose() => _limiter.Dispose();

    private static IResult Unauthorized(string detail)
        => Problems.Of(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", detail);
}
