using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using LensAI.Backend.Parquet;
using LensAI.Pricing;
using LensAI.Testing;

namespace LensAI.Samples.Tests;

/// <summary>The samples run one at a time: each starts a backend, a replay server and DuckDB, and 2 cores are enough for one.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SamplesRunOneAtATime
{
    public const string Name = "samples";
}

/// <summary>A fresh folder for a sample's data, deleted afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lensai-samples-" + Guid.NewGuid().ToString("N")[..12]));

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open by a process that is shutting down: the OS cleans the temp folder
        }
    }
}

/// <summary>The arguments a sample gets from its command in docs/samples.md.</summary>
internal static class SampleCommand
{
    /// <summary>
    /// Checks <paramref name="command"/> is <c>dotnet run --project &lt;project&gt; [-- args…]</c> and returns the args,
    /// plus <c>--offline</c> (so a key in the test environment cannot make it call a paid API) and a data folder.
    /// The tests run the sample's entry point in process with them: <c>dotnet run</c> would rebuild it (slow, and racing
    /// the test build).
    /// </summary>
    public static string[] Arguments(string command, string project, string dataDirectory)
    {
        var args = DocCommands.SplitArguments(command);
        Assert.True(args.Count >= 4 && args[0] == "dotnet" && args[1] == "run" && args[2] == "--project" && args[3] == project, $"Expected 'dotnet run --project {project}', got '{command}'.");
        Assert.True(Directory.Exists(RepositoryPaths.Combine(project)), $"{project} does not exist.");
        var rest = args.Skip(4).ToList();
        if (rest.Count > 0)
        {
            Assert.Equal("--", rest[0]);
            rest.RemoveAt(0);
        }

        return [.. rest, "--offline", "--data-dir", dataDirectory];
    }
}

/// <summary>An event as stored in Parquet by the backend.</summary>
internal sealed record StoredEvent(
    string EventId, DateTimeOffset Ts, string? UserId, string? Route, string Provider, string Model, string Operation, bool Stream,
    int TokensIn, int TokensOut, int TokensCachedIn, int TokensCacheWrite, int TokensReasoning, decimal? CostUsd, string Status, int? TtftMs,
    string? Conversation, string? Tier, string? SkPlugin = null, string? SkFunction = null)
{
    /// <summary>The cost the price catalogue gives for this event's tokens.</summary>
    public decimal? CatalogueCost => PriceCatalog.Default.Calculate(Provider, Model, new TokenUsage(TokensIn, TokensOut, TokensCachedIn, TokensCacheWrite, TokensReasoning));
}

/// <summary>Reads a sample's Parquet itself, with its own DuckDB — not through the sample's code.</summary>
internal static class StoredEvents
{
    public static IReadOnlyList<StoredEvent> Read(string dataDirectory)
    {
        var root = Path.Combine(dataDirectory, "store", "events");
        Assert.True(Directory.Exists(root), $"No Parquet under {root}.");
        using var connection = new DuckDBConnection("DataSource=:memory:;threads=1");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT DISTINCT ON (event_id) event_id, ts, user_id, route, provider, model, operation, stream, tokens_in, tokens_out, tokens_cached_in,
                   tokens_cache_write, tokens_reasoning, cost_usd, status, ttft_ms, metadata['conversation_id'], metadata['tier'],
                   metadata['sk.plugin'], metadata['sk.function']
            FROM read_parquet($glob, hive_partitioning = true, union_by_name = true)
            ORDER BY event_id
            """;
        command.Parameters.Add(new DuckDBParameter("glob", root + "/**/*.parquet"));
        using var r = command.ExecuteReader();
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        var events = new List<StoredEvent>();
        while (r.Read())
        {
            events.Add(new StoredEvent(
                r.GetString(0), r.GetFieldValue<DateTimeOffset>(1), Text(2), Text(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetBoolean(7),
                r.GetInt32(8), r.GetInt32(9), r.GetInt32(10), r.GetInt32(11), r.GetInt32(12), r.IsDBNull(13) ? null : r.GetDecimal(13), r.GetString(14),
                r.IsDBNull(15) ? null : r.GetInt32(15), Text(16), Text(17), Text(18), Text(19)));
        }

        return events;
    }
}

/// <summary>The usage recorded in the OpenAI fixtures the replay server serves.</summary>
internal static class Recorded
{
    /// <summary>(model, prompt_tokens, completion_tokens) of a recorded chat completion or stream.</summary>
    public static (string Model, int In, int Out) Usage(string file)
    {
        var path = Path.Combine(Fixtures.Directory, "openai", file);
        if (file.EndsWith(".sse", StringComparison.Ordinal))
        {
            var last = File.ReadAllLines(path, Encoding.UTF8).Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
                .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement).Last(e => e.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object);
            return (last.GetProperty("model").GetString()!, last.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), last.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        return (root.GetProperty("model").GetString()!, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }
}

/// <summary>A TextWriter that keeps what a sample printed (thread-safe: a sample may print from callbacks).</summary>
internal sealed class CapturedOutput : StringWriter
{
    private readonly Lock _gate = new();

    public override void Write(char value)
    {
        lock (_gate)
        {
            base.Write(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            base.Write(value);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            base.WriteLine(value);
        }
    }

    public string Text
    {
        get
        {
            lock (_gate)
            {
                return ToString();
            }
        }
    }
}
