using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Routing;

namespace LensAI.Samples.AspNetCore;

/// <summary>
/// Attributes every LLM call made while a request is handled to the request's route pattern and method
/// (<c>POST /chat/{conversationId}</c> — the pattern, not the URL, so a route is one row in reports however many
/// conversations there are) and to the authenticated user (<see cref="ClaimTypes.NameIdentifier"/>), through
/// <see cref="LensAIClient.BeginScope"/>. Calls made anywhere below — endpoint, services, the OpenAI SDK over a
/// LensAI-wrapped HttpClient — are attributed, because the scope flows with the request's async calls.
/// <para>
/// It also adds up what the request's LLM calls cost (from <see cref="LensAIClient.Recorded"/>) and returns it in the
/// <c>X-LensAI-Cost-Usd</c> response header, with <c>X-LensAI-Calls</c> (and <c>X-LensAI-Unpriced-Calls</c> when the
/// price catalogue did not know a model: those are not counted as $0).
/// </para>
/// </summary>
/// <remarks>
/// Register it after <c>UseRouting</c> (so the endpoint is known) and <c>UseAuthentication</c> (so the user is):
/// <c>app.UseLensAIAttribution()</c>. The header is written when the response starts: for a streamed response
/// (SSE) that is before the model has finished, so send the final cost as the stream's last event instead.
/// </remarks>
public sealed class LensAIAttributionMiddleware(RequestDelegate next, LensAIClient lens)
{
    /// <summary>The response header with the request's LLM cost in US dollars.</summary>
    public const string CostHeader = "X-LensAI-Cost-Usd";

    /// <summary>The response header with the number of LLM calls the request made.</summary>
    public const string CallsHeader = "X-LensAI-Calls";

    /// <summary>The response header with the number of those calls the catalogue could not price.</summary>
    public const string UnpricedHeader = "X-LensAI-Unpriced-Calls";

    /// <summary>Handles one request inside a LensAI scope.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        var cost = new RequestCost();
        context.Response.OnStarting(static state =>
        {
            var (cost, response) = ((RequestCost, HttpResponse))state;
            cost.WriteHeaders(response.Headers);
            return Task.CompletedTask;
        }, (cost, context.Response));

        using (lens.BeginScope(userId: UserOf(context), route: RouteOf(context)))
        {
            RequestCost.Current = cost; // an AsyncLocal: visible to every call the request makes, and to no other request
            await next(context);
        }
    }

    /// <summary><c>POST /chat/{conversationId}</c>: the method and the matched endpoint's route pattern, or null when none matched.</summary>
    public static string? RouteOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern }
            ? $"{context.Request.Method} {(pattern.StartsWith('/') ? pattern : "/" + pattern)}"
            : null;
    }

    /// <summary>The authenticated user's id (<see cref="ClaimTypes.NameIdentifier"/>), or null for anonymous requests.</summary>
    public static string? UserOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.User.Identity?.IsAuthenticated == true ? context.User.FindFirstValue(ClaimTypes.NameIdentifier) : null;
    }

    /// <summary>The LLM cost of one request, filled in by <see cref="LensAIClient.Recorded"/> as its calls complete.</summary>
    internal sealed class RequestCost
    {
        private static readonly AsyncLocal<RequestCost?> s_current = new();
        private readonly Lock _gate = new();
        private decimal _usd;
        private int _calls;
        private int _unpriced;

        public static RequestCost? Current
        {
            get => s_current.Value;
            set => s_current.Value = value;
        }

        /// <summary>The <see cref="LensAIClient.Recorded"/> handler: runs on the thread that completed the call, in its async flow.</summary>
        public static void OnRecorded(object? sender, UsageEvent e) => Current?.Add(e);

        private void Add(UsageEvent e)
        {
            lock (_gate)
            {
                _calls++;
                if (e.CostUsd is { } usd)
                {
                    _usd += usd;
                }
                else
                {
                    _unpriced++;
                }
            }
        }

        public void WriteHeaders(IHeaderDictionary headers)
        {
            lock (_gate)
            {
                if (_calls == 0)
                {
                    return;
                }

                headers[CostHeader] = _usd.ToString("0.000000000", CultureInfo.InvariantCulture);
                headers[CallsHeader] = _calls.ToString(CultureInfo.InvariantCulture);
                if (_unpriced > 0)
                {
                    headers[UnpricedHeader] = _unpriced.ToString(CultureInfo.InvariantCulture);
                }
            }
        }
    }
}

/// <summary>Registers <see cref="LensAIAttributionMiddleware"/>.</summary>
public static class LensAIAttributionMiddlewareExtensions
{
    /// <summary>
    /// Attributes the LLM calls of every request to its route and user, and returns their cost in
    /// <c>X-LensAI-Cost-Usd</c>. Needs <c>services.AddLensAI()</c>; call it after routing and authentication.
    /// </summary>
    public static IApplicationBuilder UseLensAIAttribution(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var lens = app.ApplicationServices.GetRequiredService<LensAIClient>();
        lens.Recorded -= LensAIAttributionMiddleware.RequestCost.OnRecorded; // at most one subscription per client
        lens.Recorded += LensAIAttributionMiddleware.RequestCost.OnRecorded;
        return app.UseMiddleware<LensAIAttributionMiddleware>();
    }
}
