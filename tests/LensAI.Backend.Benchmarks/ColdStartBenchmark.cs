using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using LensAI.Backend.Keys;
using LensAI.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// Process start → first 200 of the ingest app: the server executable (the embedded default: local folder, DuckDB),
/// started cold <c>runs</c> times on a fresh folder that already holds an API key; from <c>Process.Start</c> it posts a
/// one-event batch until the first 200 (polling every 5 ms until it listens), and notes when <c>/healthz</c> first
/// answered and whether the process had loaded DuckDB's native library by then (<c>/proc/&lt;pid&gt;/maps</c>).
/// </summary>
internal static class ColdStartBenchmark
{
    public static async Task RunAsync(int runs)
    {
        Console.WriteLine($"cold start → first 200 of POST /v1/events, the server executable ({Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(BackendProcess.ServerDll)))} build), {runs} runs; {Environment.ProcessorCount} cores");
        var firsts = new List<double>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < runs; i++)
        {
            var root = Path.Combine(Path.GetTempPath(), "lensai-coldstart-" + Guid.NewGuid().ToString("N")[..12]);
            var store = Path.Combine(root, "store");
            string key;
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["LensAI:Backend:Storage:LocalPath"] = store,
                ["LensAI:Backend:WorkDirectory"] = Path.Combine(root, "work-setup"),
            }).Build();
            await using (var services = new ServiceCollection().AddLogging().AddLensAIBackend(configuration).BuildServiceProvider())
            {
                key = (await services.GetRequiredService<ApiKeyStore>().CreateAsync("cold", "cold start", CancellationToken.None)).Key;
            }

            var port = LoopbackPort.Free();
            var address = new Uri($"http://127.0.0.1:{port}/");
            var body = Batches.Json([Batches.Event(ts: DateTimeOffset.UtcNow)]);
            var clock = Stopwatch.StartNew();
            await using var server = ChildProcess.Start("ingest", BackendProcess.ServerDll,
                ["--urls", address.AbsoluteUri.TrimEnd('/'), "--Logging:LogLevel:Default", "Warning", "--LensAI:Backend:RunScheduler", "false",
                 "--LensAI:Backend:Storage:LocalPath", store, "--LensAI:Backend:WorkDirectory", Path.Combine(root, "work")], root);
            double? healthy = null;
            while (true)
            {
                if (server.HasExited)
                {
                    throw new InvalidOperationException("The server exited: " + server.Describe());
                }

                try
                {
                    if (healthy is null)
                    {
                        using var health = await http.GetAsync(new Uri(address, "healthz"));
                        healthy = clock.Elapsed.TotalMilliseconds;
                    }

                    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, "v1/events")) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    using var response = await http.SendAsync(request);
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(5); // polling, not spinning: the server starts on the same cores
            }

            var first = clock.Elapsed.TotalMilliseconds;
            firsts.Add(first);
            var maps = OperatingSystem.IsLinux() ? await File.ReadAllTextAsync($"/proc/{server.Id}/maps") : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {i + 1}: /healthz answered after {healthy:0} ms, first 200 of POST /v1/events after {first:0} ms; DuckDB loaded by then: {(OperatingSystem.IsLinux() ? maps.Contains("libduckdb", StringComparison.Ordinal) ? "yes" : "no" : "unknown")}"));
            await server.DisposeAsync();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        firsts.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"start → first 200: median {firsts[firsts.Count / 2]:0} ms, min {firsts[0]:0} ms, max {firsts[^1]:0} ms over {runs} runs"));
    }
}
