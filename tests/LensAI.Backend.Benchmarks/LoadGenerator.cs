using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// Ingest at full speed for the job benchmarks: a few connections post 1,000-event gzip batches with fresh event ids
/// back to back, round-robin over the projects' keys, on loopback, until stopped.
/// </summary>
internal sealed class LoadGenerator : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private long _ingested;
    private long _failed;
    private long _batch;

    public LoadGenerator(Uri baseAddress, IReadOnlyList<string> keys, int connections = 4)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = baseAddress };
        _workers = Enumerable.Range(0, connections).Select(_ => Task.Run(() => PostAsync(keys))).ToArray();
    }

    public long Ingested => Interlocked.Read(ref _ingested);

    public long Failed => Interlocked.Read(ref _failed);

    public double EventsPerSecond => Ingested / _clock.Elapsed.TotalSeconds;

    public TimeSpan Elapsed => _clock.Elapsed;

    private async Task PostAsync(IReadOnlyList<string> keys)
    {
        while (!_stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _batch);
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = Content(n) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[(int)(n % keys.Count)]);
            try
            {
                using var response = await _http.SendAsync(request, CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Add(ref _ingested, 1000);
                }
                else
                {
                    Interlocked.Increment(ref _failed);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _failed);
            }
        }
    }

    /// <summary>A gzip batch of 1,000 events with fresh ids (batch number + index), 1,000 users, two models.</summary>
    private static ByteArrayContent Content(long batch)
    {
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, 1000).Select(i => new UsageEvent
        {
            EventId = string.Create(CultureInfo.InvariantCulture, $"b{batch}-{i}"),
            Timestamp = now.AddMilliseconds(-i),
            UserId = "user-" + ((batch * 7 + i) % 1000).ToString(CultureInfo.InvariantCulture),
            Route = i % 3 == 0 ? "POST /chat" : "POST /summarize",
            Provider = "openai",
            Model = i % 4 == 0 ? "gpt-4o-2024-08-06" : "gpt-4o-mini-2024-07-18",
            Operation = "chat",
            TokensIn = 1200 + i,
            TokensOut = 300,
            LatencyMs = 400 + (i % 100),
            Status = UsageStatus.Ok,
            HttpStatus = 200,
            Sdk = "bench/1.0",
        }).ToList();
        var content = new ByteArrayContent(Gzip(events));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }

    /// <summary>A wire batch, gzipped (fastest level).</summary>
    public static byte[] Gzip(List<UsageEvent> events)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            JsonSerializer.Serialize(gzip, new UsageEventBatch { Events = events }, LensAIJsonContext.Default.UsageEventBatch);
        }

        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _http.Dispose();
        _stop.Dispose();
    }
}
