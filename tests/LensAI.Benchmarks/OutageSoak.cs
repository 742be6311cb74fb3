using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace LensAI.Benchmarks;

/// <summary>
/// An ingest outage under load, with the SDK's default options: captured calls through the HttpClient handler at a
/// paced rate (or as fast as one caller can go: rate 0) while the ingest endpoint refuses connections; then the
/// endpoint comes back (a real HTTP server on the same loopback port) and the SDK replays its spool. Prints the
/// managed heap (peak after a collection, and peak in use), what was spooled, dropped (by reason) and delivered,
/// and checks that every captured event reached the endpoint exactly once (by event id).
/// </summary>
internal static class OutageSoak
{
    public static async Task RunAsync(int rate, int seconds, int callers)
    {
        var spool = Path.Combine(Path.GetTempPath(), "lensai-soak-" + Guid.NewGuid().ToString("N"));
        var port = FreePort();
        var endpoint = new Uri($"http://127.0.0.1:{port}/");
        var body = Fixture.Bytes("chat-completion-basic.json");
        var options = new LensAIOptions { Endpoint = endpoint, ApiKey = "lsk_soak", SpoolDirectory = spool };
        var counters = new ConcurrentDictionary<string, long>();
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
            counters.AddOrUpdate(key, value, (_, sum) => sum + value);
        });
        listener.Start();

        await using var lens = LensAIClient.Create(options);
        var captured = 0L; // a count, not the ids: the harness must not be what fills the heap
        lens.Recorded += (_, _) => Interlocked.Increment(ref captured);
        using var http = new HttpMessageInvoker(lens.CreateHandler(new FixtureHandler(body, "application/json")));
        var url = Transports.ChatUrl(Transport.InMemory);
        var json = new MediaTypeHeaderValue("application/json");

        using var sampler = new HeapSampler();
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var perCaller = rate / (double)callers;
        var counts = await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            var buffer = new byte[4096];
            var calls = 0L;
            while (clock.Elapsed < deadline)
            {
                var due = rate <= 0 ? calls + 1_000 : (long)(clock.Elapsed.TotalSeconds * perCaller);
                for (; calls < due; calls++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent("""{"model":"gpt-4o-mini"}"""u8.ToArray()) };
                    request.Content.Headers.ContentType = json;
                    using var response = await http.SendAsync(request, CancellationToken.None);
                    using var stream = await response.Content.ReadAsStreamAsync();
                    while (await stream.ReadAsync(buffer) > 0)
                    {
                    }
                }

                if (rate > 0)
                {
                    await Task.Delay(1);
                }
            }

            return calls;
        })));
        var calls = counts.Sum();
        var elapsed = clock.Elapsed;
        await lens.FlushAsync(TimeSpan.FromSeconds(5)); // the endpoint is still down: this only spools what is queued
        listener.RecordObservableInstruments();
        var spooledBytes = Directory.Exists(spool) ? Directory.GetFiles(spool, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
        sampler.Stop();

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"calls: {calls:N0} in {elapsed.TotalSeconds:0.0} s ({calls / elapsed.TotalSeconds:N0}/s{(rate > 0 ? $", paced at {rate:N0}/s" : ", unpaced")}, {callers} caller(s)), ingest endpoint refusing connections the whole time"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"managed heap: peak after a collection {sampler.PeakAfterGc / 1048576.0:0.0} MiB, peak in use (uncollected garbage included) {sampler.PeakInUse / 1048576.0:0.0} MiB; GCs {sampler.Gen0}/{sampler.Gen1}/{sampler.Gen2} (gen0/1/2)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"spool on disk: {spooledBytes / 1048576.0:0.0} MiB (cap {options.SpoolMaxBytes / 1048576} MiB)"));
        foreach (var (name, value) in counters.OrderBy(c => c.Key))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: {value:N0}"));
        }

        // The endpoint comes back on the same port: the spool is replayed.
        await using var ingest = IngestServer.Start(port);
        clock.Restart();
        while (!await lens.FlushAsync(TimeSpan.FromSeconds(30)) && clock.Elapsed < TimeSpan.FromMinutes(5))
        {
        }

        var dropped = counters.Where(c => c.Key.StartsWith("lensai.events.dropped", StringComparison.Ordinal)).Sum(c => c.Value);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"endpoint back: replayed in {clock.Elapsed.TotalSeconds:0.0} s; received {ingest.Received.Count:N0} distinct events ({ingest.Duplicates:N0} re-sent) of {captured:N0} captured; " +
            $"missing {captured - ingest.Received.Count:N0}, of which counted as dropped {dropped:N0}"));
        Directory.Delete(spool, recursive: true);
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    /// <summary>Samples the managed heap every 50 ms: the heap left after the last collection, and what is in use now.</summary>
    private sealed class HeapSampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly (int, int, int) _collections = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

        public HeapSampler()
        {
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var info = GC.GetGCMemoryInfo(GCKind.Any);
                    PeakAfterGc = Math.Max(PeakAfterGc, info.HeapSizeBytes - info.FragmentedBytes);
                    PeakInUse = Math.Max(PeakInUse, GC.GetTotalMemory(forceFullCollection: false));
                    try
                    {
                        await Task.Delay(50, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });
        }

        public long PeakAfterGc { get; private set; }

        public long PeakInUse { get; private set; }

        public int Gen0 { get; private set; }

        public int Gen1 { get; private set; }

        public int Gen2 { get; private set; }

        public void Stop()
        {
            _stop.Cancel();
            _loop.GetAwaiter().GetResult();
            (Gen0, Gen1, Gen2) = (GC.CollectionCount(0) - _collections.Item1, GC.CollectionCount(1) - _collections.Item2, GC.CollectionCount(2) - _collections.Item3);
        }

        public void Dispose()
        {
            if (!_stop.IsCancellationRequested)
            {
                Stop();
            }

            _stop.Dispose();
        }
    }

    /// <summary>The ingest endpoint, back: gunzips each batch and keeps every event id once.</summary>
    private sealed class IngestServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private long _duplicates;

        private IngestServer(int port)
        {
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public ConcurrentDictionary<string, byte> Received { get; } = new();

        public long Duplicates => Interlocked.Read(ref _duplicates);

        public static IngestServer Start(int port) => new(port);

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                try
                {
                    if (context.Request.Url?.AbsolutePath != "/v1/events")
                    {
                        context.Response.StatusCode = 404;
                        continue;
                    }

                    await using var gzip = new GZipStream(context.Request.InputStream, CompressionMode.Decompress);
                    using var doc = await JsonDocument.ParseAsync(gzip);
                    foreach (var e in doc.RootElement.GetProperty("events").EnumerateArray())
                    {
                        if (!Received.TryAdd(e.GetProperty("event_id").GetString()!, 0))
                        {
                            Interlocked.Increment(ref _duplicates);
                        }
                    }

                    // An empty 200 (nothing rejected): HttpListener sends headers and a body in separate segments,
                    // and the body then waits out the client's delayed ACK (~40 ms a batch, not the SDK's time).
                    context.Response.StatusCode = 200;
                    context.Response.ContentLength64 = 0;
                }
                catch (Exception ex) when (ex is HttpListenerException or IOException or JsonException)
                {
                    context.Response.StatusCode = 500; // the client gave up (or sent garbage): it keeps the batch
                }
                finally
                {
                    try
                    {
                        context.Response.Close();
                    }
                    catch (HttpListenerException)
                    {
                        // the client is gone
                    }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _loop;
            _listener.Close();
        }
    }
}
