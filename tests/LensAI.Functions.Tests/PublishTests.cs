using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LensAI.Backend.Http;
using LensAI.Backend.Jobs;
using LensAI.Hosting;
using LensAI.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

/// <summary>
/// The two deployable outputs, published with the commands docs/deployment.md gives (into temp folders, with an
/// artifacts path of their own so a concurrent build of the solution never shares their obj/ folders). The Functions
/// host itself cannot run here (its installer downloads a binary): the worker's publish output is checked — every
/// function in <c>functions.metadata</c>, with its route, methods, auth level or schedule — and the container's is run.
/// </summary>
public sealed class PublishTests(PublishTests.Artifacts artifacts) : IClassFixture<PublishTests.Artifacts>
{
    /// <summary>One artifacts folder for both publishes (the second reuses the first's Release build of the backend).</summary>
    public sealed class Artifacts : IDisposable
    {
        public TempFolder Folder { get; } = new("lensai-publish");

        public void Dispose() => Folder.Dispose();
    }

    private static readonly Dictionary<string, (string Route, string[] Methods)> s_http = new()
    {
        ["events"] = (LensAIRoutes.Events, ["post"]),
        ["budgets-status"] = (LensAIRoutes.BudgetsStatus, ["get"]),
        ["budgets"] = (LensAIRoutes.Budgets, ["get"]),
        ["budgets-put"] = (LensAIRoutes.Budgets, ["put"]),
        ["budget-override"] = (LensAIRoutes.BudgetOverride, ["post"]),
        ["budget-raise"] = (LensAIRoutes.BudgetRaise, ["post"]),
        ["budget-reset"] = (LensAIRoutes.BudgetReset, ["post"]),
        ["audit"] = (LensAIRoutes.Audit, ["get"]),
        ["export"] = (LensAIRoutes.Export, ["get"]),
        ["report"] = (LensAIRoutes.Report, ["get"]),
        ["slack-actions"] = (LensAIRoutes.SlackActions, ["post"]),
        ["stripe-webhook"] = (LensAIRoutes.StripeWebhook, ["post"]),
        ["healthz"] = (LensAIRoutes.Health, ["get"]),
        ["dashboard"] = (LensAIRoutes.Dashboard, ["get", "head"]),
    };

    /// <summary>Runs a documented publish command with its <c>-o</c> folder replaced by a temp one.</summary>
    private async Task<string> PublishAsync(string documented, string project)
    {
        var command = DocCommands.SplitArguments(documented).ToList();
        Assert.Equal(["dotnet", "publish", "functions/" + project, "-c", "Release", "-o"], command[..6]);
        var output = artifacts.Folder.Combine(project);
        command[6] = output;
        var publish = await ProcessRunner.RunAsync("dotnet", [.. command.Skip(1), "--artifacts-path", artifacts.Folder.Combine("artifacts"), "--nologo"], RepositoryPaths.Root, TimeSpan.FromMinutes(8));
        Assert.True(publish.ExitCode == 0, publish.Describe());
        Assert.DoesNotContain("warning", publish.StandardOutput, StringComparison.OrdinalIgnoreCase);
        return output;
    }

    [Fact]
    public async Task The_worker_publish_output_declares_every_function_with_its_route_methods_auth_and_schedule()
    {
        var output = await PublishAsync(DocCommands.Single("docs/deployment.md", "functions-publish"), "LensAI.Functions");
        using var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "functions.metadata")));
        var functions = metadata.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f);

        foreach (var (name, (route, methods)) in s_http)
        {
            var function = functions[name];
            Assert.Equal("LensAI.Functions.dll", function.GetProperty("scriptFile").GetString());
            Assert.Equal("dotnet-isolated", function.GetProperty("language").GetString());
            var trigger = function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "httpTrigger");
            Assert.Equal(route, trigger.GetProperty("route").GetString());
            Assert.Equal(methods, trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()).Order());
            Assert.Equal("anonymous", trigger.GetProperty("authLevel").GetString()!.ToLowerInvariant());
            Assert.Contains(function.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == "http" && b.GetProperty("direction").GetString() == "Out");
        }

        // One timer per job the backend can run (Stripe configured, so all of them), on the job's own schedule:
        // both come from JobRegistry, and no other place holds a schedule.
        await using var worker = WorkerHost.Create(new() { ["LensAI:Backend:Stripe:ApiKey"] = "sk_test_lensai", ["LensAI:Backend:Stripe:MeterEventName"] = "lensai_cost" });
        var jobs = worker.Services.GetRequiredService<JobRunner>().Jobs.Select(j => j.Definition).ToList();
        Assert.Equal(JobRegistry.All, jobs.OrderBy(j => JobRegistry.All.ToList().IndexOf(j)));
        foreach (var job in jobs)
        {
            var trigger = Assert.Single(functions[job.Name].GetProperty("bindings").EnumerateArray());
            Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
            Assert.Equal(job.Schedule, trigger.GetProperty("schedule").GetString());
            Assert.Equal(6, job.Schedule.Split(' ').Length); // NCRONTAB with seconds
        }

        Assert.Equal(s_http.Keys.Concat(jobs.Select(j => j.Name)).Order(), functions.Keys.Order());

        using var host = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "host.json")));
        Assert.Equal("2.0", host.RootElement.GetProperty("version").GetString());
        Assert.Equal("", host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.False(host.RootElement.TryGetProperty("customHandler", out _));
        using var workerConfig = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "worker.config.json")));
        Assert.Equal("LensAI.Functions.dll", workerConfig.RootElement.GetProperty("description").GetProperty("defaultWorkerPath").GetString());
        Assert.True(File.Exists(Path.Combine(output, ".azurefunctions", "Microsoft.Azure.Functions.Worker.Extensions.dll")), "the extensions the Worker.Sdk builds for the host");
        // DuckDB's native library, for this machine's runtime only (a RID-less publish keeps runtimes/<rid>/native/).
        var duckdb = Directory.GetFiles(output, "*duckdb*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) is "libduckdb.so" or "libduckdb.dylib" or "duckdb.dll").ToList();
        Assert.Matches(@"^runtimes/[a-z0-9.-]+/native/(libduckdb\.so|libduckdb\.dylib|duckdb\.dll)$", Path.GetRelativePath(output, Assert.Single(duckdb)).Replace('\\', '/'));
        Assert.False(File.Exists(Path.Combine(output, "LensAI.Server.dll")));
    }

    [Fact]
    public async Task The_worker_answers_on_the_same_routes_and_methods_as_the_aspnet_app()
    {
        await using var app = LensAIBackendApp.Build(["--urls", "http://127.0.0.1:0", "--LensAI:Backend:Storage:LocalPath", artifacts.Folder.Combine("routes")]);
        var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .GroupBy(e => e.RoutePattern.RawText!.TrimStart('/')) // a route may be mapped once per method (GET read, PUT admin)
            .ToDictionary(g => g.Key, g => g.SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods).Select(m => m.ToLowerInvariant()).Order().ToArray());
        var declared = typeof(LensAIFunctionsApp).Assembly.GetTypes().SelectMany(t => t.GetMethods())
            .SelectMany(m => m.GetParameters())
            .Select(p => p.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.HttpTriggerAttribute), false).Cast<Microsoft.Azure.Functions.Worker.HttpTriggerAttribute>().SingleOrDefault())
            .OfType<Microsoft.Azure.Functions.Worker.HttpTriggerAttribute>()
            .GroupBy(t => t.Route!)
            .ToDictionary(g => g.Key, g => g.SelectMany(t => t.Methods!).Select(m => m.ToLowerInvariant()).Order().ToArray());
        Assert.Equal(mapped.Keys.Order(), declared.Keys.Order());
        foreach (var (route, methods) in declared)
        {
            Assert.Equal(mapped[route], methods);
        }
    }

    [Fact]
    public async Task The_container_publish_output_serves_as_the_dockerfile_runs_it()
    {
        var output = await PublishAsync(DocCommands.Single("docs/deployment.md", "server-publish"), "LensAI.Server");
        Assert.False(File.Exists(Path.Combine(output, "host.json")), "the container image is no Functions app");
        Assert.False(File.Exists(Path.Combine(output, "functions.metadata")));
        var exe = OperatingSystem.IsWindows() ? "LensAI.Server.exe" : "LensAI.Server";
        Assert.True(File.Exists(Path.Combine(output, exe)));

        var dockerfile = DocCommands.Code("docs/deployment.md", "dockerfile").Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains("COPY publish/server/ .", dockerfile);
        var entrypoint = JsonSerializer.Deserialize<string[]>(dockerfile.Single(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal))["ENTRYPOINT ".Length..])!;
        Assert.Equal("./LensAI.Server", entrypoint[0]);
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
    }

    /// <summary>
    /// Starts the published executable with the given arguments and environment (plus a free port), creates a key with
    /// the same executable's <c>keys create</c>, posts an event, and stops it. The working directory is the app folder,
    /// as in the container.
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
}
