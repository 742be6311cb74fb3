using LensAI.Backend.Storage;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Http;

/// <summary><c>GET /healthz</c>: 200 when storage answers a listing within 5 s, else 503. No key needed.</summary>
internal sealed class HealthEndpoint(IObjectStore store)
{
    /// <summary>Handles one request.</summary>
    public async Task<IResult> GetAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (RequestBody.RefuseAnyBody(http.Request) is { } refused)
        {
            return refused;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await foreach (var _ in store.ListAsync("_system/", timeout.Token).ConfigureAwait(false))
            {
                break;
            }

            return Results.Ok(new HealthReport("ok", store.Kind));
        }
        catch (Exception ex) when (ex is ObjectStoreException or OperationCanceledException)
        {
            return Results.Json(new HealthReport("storage unavailable", store.Kind), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    internal sealed record HealthReport(string Status, string Storage);
}
