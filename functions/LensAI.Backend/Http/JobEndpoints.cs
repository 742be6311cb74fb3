using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using LensAI.Backend.Jobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LensAI.Backend.Http;

/// <summary>
/// Timer functions under the Azure Functions host: the host POSTs a custom-handler invocation payload
/// (<c>{"Data":{"timer":{…}},"Metadata":{…}}</c>) to <c>/&lt;function name&gt;</c>; the handler runs the job and answers
/// <c>{"Outputs":{},"Logs":[…],"ReturnValue":…}</c>. Only loopback callers are served (the host runs beside the handler).
/// </summary>
public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapLensAIJobs(this IEndpointRouteBuilder app, JobRunner runner)
    {
        foreach (var job in runner.Jobs)
        {
            var name = job.Name;
            app.MapPost("/" + name, (HttpContext http, JobRunner jobs) => InvokeAsync(http, jobs, name));
        }

        return app;
    }

    private static async Task<IResult> InvokeAsync(HttpContext http, JobRunner jobs, string name)
    {
        if (http.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
        {
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }

        InvocationRequest? request = null;
        try
        {
            request = await JsonSerializer.DeserializeAsync(http.Request.Body, JobJsonContext.Default.InvocationRequest, http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            // The payload only carries timer metadata; a job runs the same without it.
        }

        var logs = new List<string>();
        if (request?.Data is { } data && data.TryGetValue("timer", out var timer) && timer.ValueKind == JsonValueKind.Object
            && timer.TryGetProperty("IsPastDue", out var pastDue) && pastDue.ValueKind == JsonValueKind.True)
        {
            logs.Add($"{name}: timer is past due");
        }

        try
        {
            var result = await jobs.RunAsync(name, http.RequestAborted).ConfigureAwait(false);
            if (result is null)
            {
                logs.Add($"{name}: skipped, another instance holds the lease");
            }
            else
            {
                logs.Add($"{name}: {result.Summary}");
                logs.AddRange(result.Log);
            }

            return Results.Json(new InvocationResponse(new Dictionary<string, object?>(), logs, result?.Summary), JobJsonContext.Default.InvocationResponse);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logs.Add($"{name} failed: {ex.Message}");
            return Results.Json(new InvocationResponse(new Dictionary<string, object?>(), logs, null), JobJsonContext.Default.InvocationResponse, statusCode: 500);
        }
    }
}

internal sealed record InvocationRequest(
    [property: JsonPropertyName("Data")] Dictionary<string, JsonElement>? Data,
    [property: JsonPropertyName("Metadata")] Dictionary<string, JsonElement>? Metadata);

internal sealed record InvocationResponse(
    [property: JsonPropertyName("Outputs")] Dictionary<string, object?> Outputs,
    [property: JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: JsonPropertyName("ReturnValue")] string? ReturnValue);

[JsonSerializable(typeof(InvocationRequest))]
[JsonSerializable(typeof(InvocationResponse))]
internal sealed partial class JobJsonContext : JsonSerializerContext;
