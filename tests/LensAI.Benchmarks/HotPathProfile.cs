using System.Diagnostics;
using System.Globalization;

namespace LensAI.Benchmarks;

/// <summary>
/// A plain loop of calls for profilers (<c>dotnet-trace</c>, <c>dotnet-counters</c>) and for what BenchmarkDotNet
/// does not see: CPU spent off the caller's thread (the shipping side) and thread-pool work items per call.
/// Prints, per call: wall time, process CPU time, thread-pool work items completed, bytes allocated (all threads);
/// and the events dropped in the whole run.
/// </summary>
internal static class HotPathProfile
{
    public static async Task RunAsync(string variant, int calls)
    {
        if (variant == "parts")
        {
            Parts(calls);
            return;
        }

        var exceptions = 0;
        string? firstException = null;
        AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        {
            Interlocked.Increment(ref exceptions);
            firstException ??= e.Exception.GetType().Name + ": " + e.Exception.Message;
        };
        var dropped = 0L;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "LensAI" && instrument.Name == "lensai.events.dropped")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref dropped, value));
        listener.Start();
        var transport = variant.StartsWith("sockets", StringComparison.Ordinal) ? Transport.Sockets : Transport.InMemory;
        // Variants for the profile story: "-nobudgets" (budget guard off), "-noship" (no endpoint: nothing shipped).
        using var call = new HttpCall(transport, o =>
        {
            o.Budgets.Enabled = !variant.Contains("-nobudgets", StringComparison.Ordinal);
            o.ApiKey = variant.Contains("-noship", StringComparison.Ordinal) ? null : o.ApiKey;
        });
        call.Setup();
        Func<Task<int>> run = variant.Contains("untracked", StringComparison.Ordinal) ? call.UntrackedAsync : call.TrackedAsync;
        for (var i = 0; i < 200_000; i++)
        {
            await run(); // warm up: JIT tiers (shipping code runs once per 500-event batch: it needs ~100k calls to reach tier 1), pools
        }

        await Task.Delay(100);
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var threads = ThreadCpu();
        var items = ThreadPool.CompletedWorkItemCount;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            await run();
        }

        var wall = clock.Elapsed;
        await Task.Delay(100); // let the batcher finish the last batch: its CPU counts too
        process.Refresh();
        var cpuUsed = process.TotalProcessorTime - cpu;
        var perThread = string.Join(", ", ThreadCpu()
            .Select(t => (t.Key, Used: t.Value - threads.GetValueOrDefault(t.Key)))
            .Where(t => t.Used > TimeSpan.FromMilliseconds(10))
            .OrderByDescending(t => t.Used)
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key} {t.Used.TotalMicroseconds / calls:0.00}")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{variant}: {calls:N0} calls, wall {wall.TotalMicroseconds / calls:0.00} µs/call, process CPU {cpuUsed.TotalMicroseconds / calls:0.00} µs/call, " +
            $"thread-pool work items {(ThreadPool.CompletedWorkItemCount - items) / (double)calls:0.0000}/call, allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)calls:0} B/call, " +
            $"GCs {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} (gen0/1/2), GC pauses {(GC.GetTotalPauseDuration() - paused).TotalMicroseconds / calls:0.00} µs/call, events dropped {Interlocked.Read(ref dropped):N0}, exceptions {exceptions} {firstException}"));
        Console.WriteLine($"  CPU µs/call by thread: {perThread}");
    }

    /// <summary>CPU time used so far by each thread of this process, summed by thread name (Linux: /proc/self/task).</summary>
    private static Dictionary<string, TimeSpan> ThreadCpu()
    {
        var used = new Dictionary<string, TimeSpan>();
        if (!Directory.Exists("/proc/self/task"))
        {
            return used;
        }

        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime + stime, in clock ticks (1/100 s)
                used[name] = used.GetValueOrDefault(name) + TimeSpan.FromMilliseconds(ticks * 10);
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }

        return used;
    }

    /// <summary>Times the pieces of one capture on this thread (a rough split of where the time goes), best of 200 short rounds.</summary>
    private static void Parts(int n)
    {
        using var lens = Fixture.Lens(o => o.ApiKey = null);
        var body = Fixture.Bytes("chat-completion-basic.json");
        var url = Transports.ChatUrl(Transport.InMemory);
        var requestBody = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello."}]}"""u8.ToArray();
        // The fastest of 200 short rounds: on a shared machine the minimum is what the code costs, the rest is other load.
        void Time(string name, Action action, int perAction = 1)
        {
            var count = Math.Max(10, n / perAction / 200);
            for (var i = 0; i < count; i++)
            {
                action();
            }

            var best = double.MaxValue;
            for (var round = 0; round < 200; round++)
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < count; i++)
                {
                    action();
                }

                best = Math.Min(best, clock.Elapsed.TotalMicroseconds * 1000 / count / perAction);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-34} {best,8:0} ns"));
        }

        var engine = lens.Engine;
        Time("detect", () => engine.Detector.TryDetect(HttpMethod.Post, url, out _));
        Time("inspect request", () =>
        {
            using var content = new ByteArrayContent(requestBody);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
            var read = LensAI.Capture.RequestInspector.ReadAsync(request, default).AsTask().Result;
            System.Buffers.ArrayPool<byte>.Shared.Return(read.Rented!);
        });
        Time("parse request body (in memory)", () => LensAI.Capture.RequestInspector.Parse(requestBody));
        Time("bare Utf8JsonReader pass (body)", () =>
        {
            var reader = new System.Text.Json.Utf8JsonReader(body);
            while (reader.Read())
            {
            }
        });
        Time("scan body", () =>
        {
            using var scanner = new LensAI.Capture.UsageScanner();
            scanner.ScanDocument(body);
        });
        var call = new LensAI.Capture.CapturedCall("openai", "gpt-4o-mini-2024-07-18", "chat", false, new TokenUsage(11, 9), UsageStatus.Ok, 200, DateTimeOffset.UtcNow, 1, null, "chatcmpl-1", default);
        Time("record (price, event, enqueue)", () => engine.Record(call));
        var events = Enumerable.Range(0, 500).Select(_ => engine.Record(call)).ToList();
        Time("ship: serialize + gzip, per event", () =>
        {
            using var payload = LensAI.Shipping.BatchSerializer.Serialize(events, 0, events.Count);
        }, events.Count);
        var sse = Fixture.Bytes("chat-stream-include-usage.sse");
        Time("stream: capture per 64-byte chunk", () =>
        {
            var capture = new LensAI.Capture.CallCapture(engine, new LensAI.Capture.ProviderRoute("openai", "chat", LensAI.Capture.UsageDialect.OpenAIChat), default, default);
            capture.OnResponse(200, true);
            for (var at = 0; at < sse.Length; at += 64)
            {
                capture.OnBytes(sse.AsSpan(at, Math.Min(64, sse.Length - at)));
            }

            capture.Complete(LensAI.Capture.CaptureEnd.Completed);
        }, (sse.Length + 63) / 64);
        Time("capture + record", () =>
        {
            var capture = new LensAI.Capture.CallCapture(engine, new LensAI.Capture.ProviderRoute("openai", "chat", LensAI.Capture.UsageDialect.OpenAIChat), default, default);
            capture.OnResponse(200, false);
            capture.OnWholeBody(body);
            capture.Complete(LensAI.Capture.CaptureEnd.Completed);
        });
    }
}
