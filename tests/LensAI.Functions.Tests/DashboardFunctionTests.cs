using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using LensAI.Backend.Http;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions.Tests;

/// <summary>The isolated worker's dashboard function answers as the ASP.NET Core app does, on the same route.</summary>
public sealed class DashboardFunctionTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = _backend.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _backend.DisposeAsync();
    }

    [Theory]
    [InlineData("/dashboard", 301)]
    [InlineData("/dashboard/", 200)]
    [InlineData("/dashboard/dashboard.js", 200)]
    [InlineData("/dashboard/nope.js", 404)]
    public async Task The_functions_worker_serves_the_same_dashboard_from_its_anonymous_route(string path, int status)
    {
        // Anonymous (the page holds no data; the key is checked by /v1/report), on the same route and methods as the
        // ASP.NET Core app, answering byte for byte as that app does.
        var run = typeof(DashboardFunction).GetMethod(nameof(DashboardFunction.Run))!;
        Assert.Equal("dashboard", run.GetCustomAttribute<FunctionAttribute>()!.Name);
        var trigger = run.GetParameters()[0].GetCustomAttribute<HttpTriggerAttribute>()!;
        Assert.Equal(AuthorizationLevel.Anonymous, trigger.AuthLevel);
        Assert.Equal("dashboard/{*path}", trigger.Route);
        Assert.Equal(["get", "head"], trigger.Methods!);

        var function = new DashboardFunction(new DashboardEndpoint());
        var http = new DefaultHttpContext { RequestServices = _backend.Services };
        http.Request.Method = "GET";
        http.Request.Path = path;
        http.Response.Body = new MemoryStream();
        await function.Run(http.Request).ExecuteAsync(http);
        Assert.Equal(status, http.Response.StatusCode);

        using var expected = await _http.GetAsync(path.TrimStart('/'));
        Assert.Equal(status, (int)expected.StatusCode);
        Assert.Equal(await expected.Content.ReadAsByteArrayAsync(), ((MemoryStream)http.Response.Body).ToArray());
        Assert.Equal(expected.Content.Headers.ContentType?.ToString(), http.Response.ContentType);
        Assert.Equal(expected.Headers.CacheControl?.ToString(), http.Response.Headers.CacheControl.ToString() is { Length: > 0 } c ? CacheControlHeaderValue.Parse(c).ToString() : null);
    }
}
