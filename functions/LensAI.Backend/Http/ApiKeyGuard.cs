using System.Diagnostics.CodeAnalysis;
using System.Threading.RateLimiting;
using LensAI.Backend.Keys;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary>
/// What every <c>/v1</c> endpoint (but Slack's) checks first, the same in every host: the per-key token bucket
/// (429 with <c>Retry-After</c>), then <c>Authorization: Bearer lsk_…</c> (401). The key decides the project; the body
/// never does. It is part of each endpoint's handler rather than host middleware, so the ASP.NET Core app and the
/// Azure Functions worker enforce it identically.
/// </summary>
public sealed class ApiKeyGuard : IDisposable
{
    private const string Anonymous = "anonymous";
    private readonly ApiKeyStore _keys;
    private readonly BackendOptions _options;
    private readonly PartitionedRateLimiter<string> _limiter;

    public ApiKeyGuard(ApiKeyStore keys, BackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = keys;
        _options = options;
        _limiter = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, options.RateLimitBurst),
            TokensPerPeriod = Math.Max(1, options.RateLimitPerSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>
    /// Takes a token from the bucket of the presented key's public prefix (never the secret; requests without a
    /// parsable key share one bucket), then authenticates the key.
    /// </summary>
    public async ValueTask<ApiKeyAccess> AdmitAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var header = http.Request.Headers.Authorization.ToString();
        var bearer = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        var key = bearer ? header["Bearer ".Length..].Trim() : null;
        using (var lease = _limiter.AttemptAcquire(ApiKeyStore.TryParse(key, out var prefix) ? prefix : Anonymous))
        {
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var delay) && delay > TimeSpan.FromSeconds(1) ? delay : TimeSpan.FromSeconds(1);
                return ApiKeyAccess.Deny(Problems.Of(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
                    $"This API key is limited to {_options.RateLimitPerSecond} requests per second (bursts of {_options.RateLimitBurst}). Retry after the delay.",
                    retryAfter: retryAfter));
            }
        }

        if (string.IsNullOrEmpty(header))
        {
            return ApiKeyAccess.Deny(Unauthorized("The request has no Authorization header; send 'Authorization: Bearer <project API key>'."));
        }

        if (!bearer)
        {
            return ApiKeyAccess.Deny(Unauthorized("The Authorization header must use the Bearer scheme."));
        }

        var project = await _keys.AuthenticateAsync(key, http.RequestAborted).ConfigureAwait(false);
        return project is null
            ? ApiKeyAccess.Deny(Unauthorized("The API key is not valid or has been revoked."))
            : new ApiKeyAccess(project, null);
    }

    public void Dispose() => _limiter.Dispose();

    private static IResult Unauthorized(string detail)
        => Problems.Of(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", detail);
}

/// <summary>The outcome of <see cref="ApiKeyGuard.AdmitAsync"/>: the key's project, or the answer that refuses the request.</summary>
public readonly struct ApiKeyAccess
{
    internal ApiKeyAccess(string? project, IResult? denied)
    {
        Project = project;
        Denied = denied;
    }

    /// <summary>The project the key belongs to; null when refused.</summary>
    public string? Project { get; }

    /// <summary>The 401 or 429 to answer; null when admitted.</summary>
    public IResult? Denied { get; }

    /// <summary>Whether the request may go on (then <see cref="Project"/> is set).</summary>
    [MemberNotNullWhen(true, nameof(Project))]
    [MemberNotNullWhen(false, nameof(Denied))]
    public bool Admitted => Denied is null;

    internal static ApiKeyAccess Deny(IResult result) => new(null, result);
}
