using LensAI.Backend.Keys;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Backend.Http;

/// <summary>Authenticates <c>Authorization: Bearer lsk_…</c> and puts the key's project on the request. The body never decides the project.</summary>
internal sealed class ApiKeyAuthentication : IEndpointFilter
{
    public const string ProjectItem = "lensai.project";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return Unauthorized("The request has no Authorization header; send 'Authorization: Bearer <project API key>'.");
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Unauthorized("The Authorization header must use the Bearer scheme.");
        }

        var keys = http.RequestServices.GetRequiredService<ApiKeyStore>();
        var project = await keys.AuthenticateAsync(header["Bearer ".Length..].Trim(), http.RequestAborted).ConfigureAwait(false);
        if (project is null)
        {
            return Unauthorized("The API key is not valid or has been revoked.");
        }

        http.Items[ProjectItem] = project;
        return await next(context).ConfigureAwait(false);
    }

    public static string ProjectOf(HttpContext http) => (string)http.Items[ProjectItem]!;

    private static IResult Unauthorized(string detail)
        => Problems.Of(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", detail);
}
