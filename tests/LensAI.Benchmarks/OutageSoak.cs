using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;

namespace LensAI.Benchmarks;

/// <summary>
/// Memory during an ingest outage: ten minutes of traffic at 1,000 calls/s (600,000 real captures through the
/// HttpClient handler) while the ingest endpoint refuses connections. Prints peak managed heap and working set,
/// what was spooled and what was dropped. Time is compressed (the calls are made as fast as possible), which is
/// harsher on the buffer than real time.
/// </summary>
internal static class OutageSoak
{
    public static async Task RunAsync(int calls)
    {
        var spool = Path.Combine(Path.GetTempPath(), "lensai-soak-" + Guid.NewGuid().ToString("N"));
        var body = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "chat-completion-basic.json"));
        var options = new LensAIOptions { Endpoint = new Uri("http://127.0.0.1:9/"), ApiKey = "lsk_soak", SpoolDirectory = spool, RetryBaseDelay = TimeSpan.FromMilliseconds(50), MaxRetryAttempts = 2 };
        var counters = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "LensAI")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + (tags.Length > 0 && instrument.Name.EndsWith("dropped", StringComparison.Ordinal) ? "{" + tags[0].Value + "}" : "");
            lock (counters)
            {
                counters[key] = counters.GetValueOrDefault(key) + value;
            }
        });
        listener.Start();

        await using var lens = LensAIClient.Create(options);
        using var http = new HttpMessageInvoker(lens.CreateHandler(new FixtureHandler(body, "application/json")));
        var url = new Uri("https://api.openai.com/v1/chat/completions");
        var buffer = new byte[4096];
        long peakHeap = 0, peakWorkingSet = 0;
        var baselineHeap = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= calls; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent("""{"model":"gpt-4o-mini"}"""u8.ToArray()) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.SendAsync(request, CancellationToken.None);
            using var stream = await response.Content.ReadAsStreamAsync();
            while (await stream.ReadAsync(buffer) > 0)
            {
            }

            if (i % 10_000 == 0)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: true) - baselineHeap);
                peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
            }
        }

        var elapsed = clock.Elapsed;
        await lens.FlushAsync(TimeSpan.FromSeconds(5));
        listener.RecordObservableInstruments();
        var spooledBytes = Directory.Exists(spool) ? Directory.GetFiles(spool, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
        Console.WriteLine($"calls: {calls:N0} in {elapsed.TotalSeconds:0.0} s ({calls / elapsed.TotalSeconds:N0}/s), endpoint down the whole time");
        Console.WriteLine($"peak managed heap above baseline (after full GC, sampled every 10k calls): {peakHeap / 1024.0 / 1024.0:0.0} MiB");
        Console.WriteLine($"peak working set: {peakWorkingSet / 1024.0 / 1024.0:0.0} MiB");
        Console.WriteLine($"spool on disk: {spooledBytes / 1024.0 / 1024.0:0.0} MiB (cap {options.SpoolMaxBytes / 1024 / 1024} MiB)");
        foreach (var (name, value) in counters.OrderBy(c => c.Key))
        {
            Console.WriteLine($"  {name}: {value:N0}");
        }

        Directory.Delete(spool, recursive: true);
    }
}
