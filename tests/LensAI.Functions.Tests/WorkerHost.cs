using System.Text;
using LensAI.Backend.Keys;
using LensAI.Backend.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LensAI.Functions.Tests;

/// <summary>
/// The Azure Functions worker's host, built by its own composition (<see cref="LensAIFunctionsApp.ConfigureLensAIFunctions"/>)
/// over a temp local folder, but never started: no Functions host and no gRPC channel. Function classes are created as
/// the worker creates them (<see cref="ActivatorUtilities"/> over the invocation's services) and invoked directly with
/// real <see cref="DefaultHttpContext"/> requests; their <see cref="IResult"/> is executed as the ASP.NET Core
/// integration executes it.
/// </summary>
internal sealed class WorkerHost : IAsyncDisposable
{
    private readonly List<IServiceScope> _scopes = [];

    private WorkerHost(IHost host, string dataDirectory)
    {
        Host = host;
        DataDirectory = dataDirectory;
    }

    public IHost Host { get; }

    public string DataDirectory { get; }

    public IServiceProvider Services => Host.Services;

    public IObjectStore Store => Services.GetRequiredService<IObjectStore>();

    public static WorkerHost Create(Dictionary<string, string?>? settings = null, Action<FunctionsApplicationBuilder>? configure = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "lensai-worker-" + Guid.NewGuid().ToString("N"));
        var args = new List<string>
        {
            "--LensAI:Backend:Storage:LocalPath", Path.Combine(data, "store"), "--LensAI:Backend:WorkDirectory", Path.Combine(data, "work"),
            // What the Functions host passes a worker it starts; only read when the gRPC services are resolved, never dialled here.
            "--Functions:Worker:HostEndpoint", "http://127.0.0.1:1", "--Functions:Worker:WorkerId", "tests",
        };
        foreach (var (key, value) in settings ?? [])
        {
            args.Add("--" + key);
            args.Add(value ?? "");
        }

        var builder = FunctionsApplication.CreateBuilder([.. args]);
        builder.ConfigureLensAIFunctions();
        builder.Logging.ClearProviders();
        configure?.Invoke(builder);
        return new WorkerHost(builder.Build(), data);
    }

    /// <summary>A function class, made as the worker's default activator makes it.</summary>
    public T Function<T>() where T : class => ActivatorUtilities.CreateInstance<T>(Services);

    public async Task<string> CreateKeyAsync(string project)
        => (await Services.GetRequiredService<ApiKeyStore>().CreateAsync(project, "test", CancellationToken.None)).Key;

    /// <summary>A request as the worker's ASP.NET Core integration hands it to a function: real headers and body, services of the invocation's scope.</summary>
    public HttpContext Request(string method, string pathAndQuery, string? key = null, byte[]? body = null, string? contentType = "application/json", string? contentEncoding = null)
    {
        var scope = Services.CreateScope();
        _scopes.Add(scope);
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var request = http.Request;
        request.Method = method;
        request.Scheme = "http";
        request.Host = new HostString("127.0.0.1", 7071);
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        request.Path = query < 0 ? pathAndQuery : pathAndQuery[..query];
        request.QueryString = query < 0 ? QueryString.Empty : new QueryString(pathAndQuery[query..]);
        if (key is not null)
        {
            request.Headers.Authorization = "Bearer " + key;
        }

        if (body is not null)
        {
            request.Body = new MemoryStream(body);
            request.ContentLength = body.Length;
            request.ContentType = contentType;
        }

        if (contentEncoding is not null)
        {
            request.Headers.ContentEncoding = contentEncoding;
        }

        http.Response.Body = new MemoryStream();
        return http;
    }

    /// <summary>Runs an HTTP function's result against its request, as the integration does, and reads the response.</summary>
    public static async Task<WorkerResponse> ExecuteAsync(HttpContext http, Task<IResult> function) => await ExecuteAsync(http, await function);

    public static async Task<WorkerResponse> ExecuteAsync(HttpContext http, IResult result)
    {
        await result.ExecuteAsync(http);
        var body = ((MemoryStream)http.Response.Body).ToArray();
        return new WorkerResponse(http.Response.StatusCode, http.Response.ContentType, http.Response.Headers, body);
    }

    /// <summary>Every stored part of a project.</summary>
    public async Task<List<string>> KeysAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (var o in Store.ListAsync(prefix, CancellationToken.None))
        {
            keys.Add(o.Key);
        }

        return keys;
    }

    public async ValueTask DisposeAsync()
    {
        _scopes.ForEach(s => s.Dispose());
        if (Host is IAsyncDisposable async)
        {
            await async.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Already gone, or a file still held: a temp folder, left to the OS.
        }
    }
}

internal sealed record WorkerResponse(int Status, string? ContentType, IHeaderDictionary Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);
}
