using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LensAI.Testing;

namespace LensAI.Dashboard.Tests;

/// <summary>One unseeded function app for the HTTP tests.</summary>
public sealed class BackendFixture : IAsyncLifetime
{
    public DashboardBackend Backend { get; private set; } = null!;

    public async Task InitializeAsync() => Backend = await DashboardBackend.StartAsync();

    public async Task DisposeAsync() => await Backend.DisposeAsync();
}

/// <summary>How the function app serves the dashboard's files (redirect, content types, caching, compression, headers) and guards its data.</summary>
public sealed class DashboardHttpTests(BackendFixture fixture) : IClassFixture<BackendFixture>, IDisposable
{
    private readonly DashboardBackend _backend = fixture.Backend;
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = fixture.Backend.BaseAddress };

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData("dashboard", "/dashboard/")]
    [InlineData("dashboard?x=1", "/dashboard/?x=1")]
    public async Task Dashboard_without_the_slash_redirects_to_it(string path, string location)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal(location, response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_page_is_revalidated_and_its_files_are_fingerprinted_and_cached()
    {
        using var page = await _http.GetAsync("dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html; charset=utf-8", page.Content.Headers.ContentType!.ToString());
        Assert.Equal("no-cache", page.Headers.CacheControl!.ToString());
        Assert.NotNull(page.Headers.ETag);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("https://", html.Replace("https://lensai", "", StringComparison.Ordinal), StringComparison.Ordinal); // nothing from a CDN or a font service

        var references = Regex.Matches(html, "(?:src|href)=\"([^\"#:]+)\\?v=([0-9a-f]{16})\"").Select(m => (Path: m.Groups[1].Value, Version: m.Groups[2].Value)).ToList();
        Assert.Equal(["dashboard.css", "dashboard.js", "favicon.svg", "vendor/chart.js-LICENSE.md", "vendor/chart.umd.js"], references.Select(r => r.Path).Distinct().Order());
        foreach (var (path, version) in references.DistinctBy(r => r.Path))
        {
            using var versioned = await _http.GetAsync($"dashboard/{path}?v={version}");
            Assert.Equal(HttpStatusCode.OK, versioned.StatusCode);
            Assert.Equal("public, max-age=31536000, immutable", versioned.Headers.CacheControl!.ToString());
            Assert.Equal($"\"{version}\"", versioned.Headers.ETag!.Tag);

            using var plain = await _http.GetAsync($"dashboard/{path}");
            Assert.Equal("no-cache", plain.Headers.CacheControl!.ToString());
            var expectedType = Path.GetExtension(path) switch
            {
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                ".md" => "text/plain; charset=utf-8",
                _ => throw new InvalidOperationException(path),
            };
            Assert.Equal(expectedType, plain.Content.Headers.ContentType!.ToString());

            using var revalidate = new HttpRequestMessage(HttpMethod.Get, $"dashboard/{path}");
            revalidate.Headers.IfNoneMatch.Add(plain.Headers.ETag!);
            using var notModified = await _http.SendAsync(revalidate);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }
    }

    [Fact]
    public async Task The_chart_library_is_served_from_the_app_with_its_license()
    {
        using var library = await _http.GetAsync("dashboard/vendor/chart.umd.js");
        Assert.Equal(HttpStatusCode.OK, library.StatusCode);
        var text = await library.Content.ReadAsStringAsync();
        Assert.StartsWith("/*!\n * Chart.js v4.6.1", text, StringComparison.Ordinal);
        Assert.Contains("Released under the MIT License", text, StringComparison.Ordinal);

        using var license = await _http.GetAsync("dashboard/vendor/chart.js-LICENSE.md");
        Assert.Equal(HttpStatusCode.OK, license.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", license.Content.Headers.ContentType!.ToString());
        Assert.Contains("The MIT License (MIT)", await license.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Chart.js Contributors", await license.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_files_are_gzipped_when_the_client_accepts_it()
    {
        using var plain = await _http.GetAsync("dashboard/vendor/chart.umd.js");
        var plainBytes = await plain.Content.ReadAsByteArrayAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "dashboard/vendor/chart.umd.js");
        request.Headers.AcceptEncoding.ParseAdd("gzip, br");
        using var zipped = await _http.SendAsync(request);
        Assert.Equal("gzip", zipped.Content.Headers.ContentEncoding.Single());
        Assert.Contains("Accept-Encoding", zipped.Headers.Vary);
        var zippedBytes = await zipped.Content.ReadAsByteArrayAsync();
        Assert.True(zippedBytes.Length < plainBytes.Length / 2, $"{zippedBytes.Length} gzip bytes for {plainBytes.Length}");
        await using var gzip = new GZipStream(new MemoryStream(zippedBytes), CompressionMode.Decompress);
        using var unzipped = new MemoryStream();
        await gzip.CopyToAsync(unzipped);
        Assert.Equal(plainBytes, unzipped.ToArray());
    }

    [Fact]
    public async Task Head_unknown_files_and_other_methods()
    {
        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "dashboard/dashboard.js"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.True(head.Content.Headers.ContentLength > 1000);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        using var missing = await _http.GetAsync("dashboard/vendor/../../appsettings.json");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var unknown = await _http.GetAsync("dashboard/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var post = await _http.PostAsync("dashboard/", new StringContent("x", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer lsk_notakey")]
    [InlineData("Bearer WRONG-SECRET")] // the test's own key prefix with a wrong secret (below)
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task The_report_the_page_draws_needs_the_project_key(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/report");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization.Replace("WRONG-SECRET", "lsk_" + _backend.Key[4..12] + "_" + new string('x', 32), StringComparison.Ordinal));
        }

        using var refused = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.DoesNotContain("\"project\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var withKey = _backend.Client(_backend.Key);
        using var ok = await withKey.GetAsync("v1/report");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(DashboardBackend.Project, JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement.GetProperty("project").GetString());
    }

    [Fact]
    public async Task The_page_and_its_scripts_load_nothing_from_other_origins()
    {
        foreach (var path in new[] { "dashboard/", "dashboard/dashboard.js", "dashboard/dashboard.css" })
        {
            var text = await _http.GetStringAsync(path);
            Assert.DoesNotMatch("(?:https?:)?//[a-z0-9.-]+\\.[a-z]{2,}/", text);
        }
    }
}
