using System.Diagnostics;
using System.Globalization;
using System.Text;
using LensAI.Testing;

namespace LensAI.Backend.Benchmarks;

/// <summary>
/// The real LensAI SDK in another process: this program's <c>sdk-client</c> mode, started as <c>dotnet &lt;this
/// assembly&gt; sdk-client &lt;endpoint&gt; &lt;key&gt; &lt;poll ms&gt;</c>. The child creates a <see cref="LensAIClient"/>
/// (its budget status poller on) for the project's key and calls a stub LLM through it every 50 ms; it prints
/// <c>READY</c> after its first call goes through and <c>REFUSED &lt;unix ms&gt;</c> when the SDK refuses a call
/// (<see cref="LensAIBudgetExceededException"/>), then exits.
/// </summary>
public sealed class SdkClientProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<DateTimeOffset> _refused = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SdkClientProcess(Uri endpoint, string key, TimeSpan pollInterval)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { typeof(SdkClientProcess).Assembly.Location, "sdk-client", endpoint.AbsoluteUri, key, ((long)pollInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) =>
        {
            var failure = new InvalidOperationException("The SDK client process exited: " + Output);
            _ready.TrySetException(failure);
            _refused.TrySetException(failure);
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Completes when the child's first call went through (its poller has read the status once).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Completes with the instant the child's SDK refused a call.</summary>
    public Task<DateTimeOffset> Refused => _refused.Task;

    /// <summary>What the child printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static SdkClientProcess Start(Uri endpoint, string key, TimeSpan pollInterval) => new(endpoint, key, pollInterval);

    /// <summary>The child's side: arguments endpoint, key, poll interval in milliseconds.</summary>
    internal static async Task<int> RunChildAsync(string[] args)
    {
        var options = new LensAIOptions { Endpoint = new Uri(args[0]), ApiKey = args[1], EnableSpool = false, MaxBatchDelay = TimeSpan.FromMilliseconds(500) };
        options.Budgets.PollInterval = TimeSpan.FromMilliseconds(long.Parse(args[2], CultureInfo.InvariantCulture));
        await using var lens = LensAIClient.Create(options);
        var llm = StubHandler.Returning("""{"id":"chatcmpl-x","model":"gpt-4o-mini-2024-07-18","usage":{"prompt_tokens":10,"completion_tokens":1}}"""u8.ToArray(), "application/json");
        using var http = lens.CreateHttpClient(llm);
        var ready = false;
        while (true)
        {
            try
            {
                using var response = await http.PostAsync(new Uri("https://api.openai.com/v1/chat/completions"), new StringContent("""{"model":"gpt-4o-mini","max_tokens":1}""", Encoding.UTF8, "application/json"));
                await response.Content.ReadAsByteArrayAsync();
                if (!ready)
                {
                    ready = true;
                    Console.WriteLine("READY");
                }
            }
            catch (LensAIBudgetExceededException)
            {
                Console.WriteLine("REFUSED " + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                return 0;
            }

            await Task.Delay(50);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line == "READY")
        {
            _ready.TrySetResult();
        }
        else if (line.StartsWith("REFUSED ", StringComparison.Ordinal))
        {
            _refused.TrySetResult(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(line["REFUSED ".Length..], CultureInfo.InvariantCulture)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
