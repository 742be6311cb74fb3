using LensAI.Server;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LensAI.Backend.DuckDb;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

public sealed class ExportTests
{
    [Theory]
    [InlineData("parquet")]
    [InlineData("csv")]
    public async Task Export_streams_the_callers_own_deduplicated_events_for_the_range(string format)
    {
        await using var backend = await BackendHost.StartAsync();
        var acme = await backend.CreateKeyAsync("acme");
        var globex = await backend.CreateKeyAsync("globex");
        var now = DateTimeOffset.UtcNow;
        var inRange = Enumerable.Range(0, 30).Select(i => Batches.Event(ts: now.AddMinutes(-30 + i))).ToList();
        var earlier = Batches.Event(ts: now.AddDays(-3));
        using var http = backend.Client(acme);
        await Batches.PostAsync(http, Batches.Content(Batches.Json(inRange.Append(earlier))));
        await Batches.PostAsync(http, Batches.Content(Batches.Json(inRange))); // a re-send
        using (var other = backend.Client(globex))
        {
            await Batches.PostAsync(other, Batches.Content(Batches.Json([Batches.Event()])));
        }

        var from = now.AddHours(-2).ToString("O");
        var to = now.AddMinutes(5).ToString("O");
        var response = await http.GetAsync($"v1/export?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}&format={format}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.EndsWith("." + format, response.Content.Headers.ContentDisposition.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName!.Trim('"'), StringComparison.Ordinal);
        Assert.StartsWith("lensai-acme-", response.Content.Headers.ContentDisposition.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName!.Trim('"'), StringComparison.Ordinal);

        var file = Path.Combine(backend.DataDirectory, "export." + format);
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        using var connection = backend.Services.GetRequiredService<DuckDbConnectionFactory>().Open();
        var reader = format == "csv" ? "read_csv($file, header = true)" : "read_parquet($file)";
        Assert.Equal(30L, connection.ScalarInt64($"SELECT count(*) FROM {reader}", ("file", file)));
        Assert.Equal(30L, connection.ScalarInt64($"SELECT count(DISTINCT event_id) FROM {reader}", ("file", file)));
        Assert.Equal(0L, connection.ScalarInt64($"SELECT count(*) FROM {reader} WHERE project_id <> 'acme'", ("file", file)));
    }

    [Theory]
    [InlineData("from=yesterday&to=2026-11-21", "dates")]
    [InlineData("from=2026-11-21&to=2026-11-01", "after")]
    [InlineData("from=2024-01-01&to=2026-11-21", "at most 366 days")]
    [InlineData("from=2026-11-01&to=2026-11-21&format=xlsx", "parquet or csv")]
    public async Task Bad_export_requests_are_400(string query, string message)
    {
        await using var backend = await BackendHost.StartAsync();
        using var http = backend.Client(await backend.CreateKeyAsync("acme"));
        var response = await http.GetAsync("v1/export?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_range_exports_an_empty_file_with_the_schema()
    {
        await using var backend = await BackendHost.StartAsync();
        using var http = backend.Client(await backend.CreateKeyAsync("acme"));
        var response = await http.GetAsync("v1/export?from=2026-11-01&to=2026-11-02");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = Path.Combine(backend.DataDirectory, "empty.parquet");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        using var connection = backend.Services.GetRequiredService<DuckDbConnectionFactory>().Open();
        Assert.Equal(0L, connection.ScalarInt64("SELECT count(*) FROM read_parquet($file)", ("file", file)));
        Assert.Equal(26L, connection.ScalarInt64("SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet($file))", ("file", file)));
    }
}

public sealed class HostingTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LensAI.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("LensAI.sln not found above the test output.");
    }

    [Fact]
    public async Task Publish_output_is_an_azure_functions_custom_handler_app()
    {
        var output = Path.Combine(Path.GetTempPath(), "lensai-publish-" + Guid.NewGuid().ToString("N"));
        try
        {
            var psi = new ProcessStartInfo("dotnet", ["publish", Path.Combine(RepoRoot(), "functions", "LensAI.Server", "LensAI.Server.csproj"), "-c", "Debug", "-o", output, "--nologo", "-v", "q"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var publish = Process.Start(psi)!;
            var stdout = publish.StandardOutput.ReadToEndAsync();
            var stderr = publish.StandardError.ReadToEndAsync();
            await publish.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4));
            Assert.True(publish.ExitCode == 0, await stdout + await stderr);

            using var host = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "host.json")));
            var handler = host.RootElement.GetProperty("customHandler");
            var exe = handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString()!;
            Assert.True(File.Exists(Path.Combine(output, exe)), $"the handler executable {exe} is in the publish output");
            Assert.True(handler.GetProperty("enableForwardingHttpRequest").GetBoolean());
            Assert.Equal("", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
            // DuckDB's native library, for this machine's runtime only (a RID-less publish keeps runtimes/<rid>/native/).
            var duckdb = Directory.GetFiles(output, "*duckdb*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) is "libduckdb.so" or "libduckdb.dylib" or "duckdb.dll").ToList();
            Assert.Matches(@"^runtimes/[a-z0-9.-]+/native/(libduckdb\.so|libduckdb\.dylib|duckdb\.dll)$", Path.GetRelativePath(output, Assert.Single(duckdb)).Replace('\\', '/'));

            foreach (var (function, route) in new[] { ("events", "v1/events"), ("export", "v1/export"), ("healthz", "healthz"), ("budgets-status", "v1/budgets/status"), ("budgets", "v1/budgets") })
            {
                using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, function, "function.json")));
                var trigger = json.RootElement.GetProperty("bindings")[0];
                Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
                Assert.Equal(route, trigger.GetProperty("route").GetString());
            }

            // Run it the two ways it is deployed: as host.json tells the Functions host (arguments, FUNCTIONS_CUSTOMHANDLER_PORT),
            // and as the Dockerfile in docs/deployment.md does (its ENV and ENTRYPOINT; loopback and a temp folder for 0.0.0.0:8080 and /data).
            var arguments = handler.GetProperty("description").GetProperty("arguments").EnumerateArray().Select(a => a.GetString()!).ToList();
            await RunPublishedAsync(Path.Combine(output, exe), arguments, output, port => new() { ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

            var dockerfile = LensAI.Testing.DocCommands.Code("docs/deployment.md", "dockerfile").Split('\n').Select(l => l.Trim()).ToList();
            var entrypoint = JsonSerializer.Deserialize<string[]>(dockerfile.Single(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal))["ENTRYPOINT ".Length..])!;
            Assert.Equal("./" + exe, entrypoint[0]);
            var env = dockerfile.Where(l => l.StartsWith("ENV ", StringComparison.Ordinal)).SelectMany(l => l[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            Assert.Equal("http://0.0.0.0:8080", env["ASPNETCORE_URLS"]);
            var volume = Path.Combine(output, "volume-data");
            await RunPublishedAsync(Path.Combine(output, exe), [.. entrypoint.Skip(1)], output, port => env.ToDictionary(
                kv => kv.Key,
                kv => kv.Key switch
                {
                    "ASPNETCORE_URLS" => $"http://127.0.0.1:{port}",
                    _ => kv.Value == "/data" ? volume : kv.Value,
                }));
            Assert.NotEmpty(Directory.GetFiles(volume, "*.parquet", SearchOption.AllDirectories));

            foreach (var job in new[] { "compaction", "rollups", "budget-check", "retention" })
            {
                using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, job, "function.json")));
                var trigger = json.RootElement.GetProperty("bindings")[0];
                Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
                Assert.Equal(6, trigger.GetProperty("schedule").GetString()!.Split(' ').Length); // NCRONTAB with seconds
            }
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    /// <summary>
    /// Starts the published executable with the given arguments and environment (plus a free port), creates a key with
    /// the same executable's <c>keys create</c>, posts an event, and stops it. The working directory is the app folder,
    /// as under the Functions host and in the container.
    /// </summary>
    private static async Task RunPublishedAsync(string executable, List<string> arguments, string appFolder, Func<int, Dictionary<string, string>> environment)
    {
        var port = LensAI.Testing.LoopbackPort.Free();
        var variables = environment(port);
        var data = Path.Combine(appFolder, "data-" + port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        variables.TryAdd("LensAI__Backend__Storage__LocalPath", data);
        variables["LensAI__Backend__RunScheduler"] = "false";

        ProcessStartInfo Start(IEnumerable<string> args)
        {
            var psi = new ProcessStartInfo(executable, args) { WorkingDirectory = appFolder, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (name, value) in variables)
            {
                psi.Environment[name] = value;
            }

            return psi;
        }

        using (var keys = Process.Start(Start(["keys", "create", "--project", "published"]))!)
        {
            var keyOut = keys.StandardOutput.ReadToEndAsync();
            var keyErr = keys.StandardError.ReadToEndAsync();
            await keys.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(keys.ExitCode == 0, await keyErr);
            variables["__key"] = (await keyOut).Trim();
        }

        var key = variables["__key"];
        variables.Remove("__key");
        using var server = Process.Start(Start(arguments))!;
        _ = server.StandardError.ReadToEndAsync(); // drained so a chatty server never blocks on a full pipe
        _ = server.StandardOutput.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", key);
            using (var response = await LensAI.Testing.LoopbackPort.SendWhenListeningAsync(
                http,
                () => new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = Batches.Content(Batches.Json([Batches.Event()])) },
                () => server.HasExited ? $"{executable} {string.Join(' ', arguments)} exited with {server.ExitCode}" : null))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Under_the_functions_host_it_listens_on_FUNCTIONS_CUSTOMHANDLER_PORT()
    {
        var port = LensAI.Testing.LoopbackPort.Free();
        var data = Path.Combine(Path.GetTempPath(), "lensai-ch-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The Functions host sets it in the environment; configuration sees it the same way from the command line.
            await using var app = LensAIServer.Build(["--FUNCTIONS_CUSTOMHANDLER_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--LensAI:Backend:Storage:LocalPath", data]);
            await app.StartAsync();
            using var http = new HttpClient();
            var response = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await app.StopAsync();
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
