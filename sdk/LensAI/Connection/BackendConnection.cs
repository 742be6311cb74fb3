using System.Net;
using System.Net.Http.Headers;

namespace LensAI.Connection;

/// <summary>
/// The one connection to the LensAI backend that shipping (<c>POST /v1/events</c>) and the budget status poller
/// (<c>GET /v1/budgets/status</c>) share: one <see cref="HttpClient"/> (one connection pool), the project key as a
/// Bearer header, and the SDK's User-Agent. Requests are built here so neither side knows the other.
/// </summary>
internal sealed class BackendConnection : IDisposable
{
    /// <summary>The SDK's <c>name/version</c>: the User-Agent of every backend request and the <c>sdk</c> field of every event.</summary>
    public static readonly string SdkName = $"LensAI.NET/{typeof(BackendConnection).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"}";

    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue _auth;

    /// <param name="endpoint">The backend's base URL (<see cref="LensAIOptions.Endpoint"/>).</param>
    /// <param name="apiKey">The project API key; never logged.</param>
    /// <param name="transport">The handler that sends (tests and benchmarks pass an in-memory one); default a pooled <see cref="SocketsHttpHandler"/>.</param>
    public BackendConnection(Uri endpoint, string? apiKey, HttpMessageHandler? transport)
    {
        Endpoint = endpoint;
        _auth = new AuthenticationHeaderValue("Bearer", apiKey);
        _http = new HttpClient(
            transport ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.All },
            disposeHandler: transport is null)
        {
            Timeout = Timeout.InfiniteTimeSpan, // each caller sets its own deadline
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(SdkName);
    }

    public Uri Endpoint { get; }

    /// <summary>The URL of an API path under the endpoint (a base path in the endpoint is kept).</summary>
    public Uri Resolve(string path) => new(Endpoint, Endpoint.AbsolutePath.TrimEnd('/') + path);

    /// <summary>A request to the backend, authenticated with the project key.</summary>
    public HttpRequestMessage Request(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = _auth;
        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
        => _http.SendAsync(request, completion, cancellationToken);

    public void Dispose() => _http.Dispose();
}
