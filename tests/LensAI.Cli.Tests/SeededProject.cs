using System.Globalization;

namespace LensAI.Cli.Tests;

/// <summary>
/// One project ("acme") with 40 distinct events ingested over HTTP (three of them re-sent in a second batch, so the
/// store holds duplicates that every read must drop) and two budgets, shared by the read-only tests of a class.
/// </summary>
public sealed class SeededProject : IAsyncLifetime
{
    public const string Project = "acme";
    public const int Distinct = 40;

    public const string Budgets = """
        {
          "budgets": [
            { "id": "monthly-total", "scope": "project", "period": "monthly", "amount_usd": 1, "action": "alert" },
            { "id": "mini-daily", "scope": "model", "scope_value": "gpt-4o-mini", "period": "daily", "amount_usd": 0.005, "action": "block" }
          ]
        }
        """;

    public DataFolder Folder { get; } = new();

    /// <summary>A fixed, hour-aligned range around the data, so two runs see the same report.</summary>
    public DateTimeOffset Since { get; private set; }

    public DateTimeOffset Until { get; private set; }

    public string SinceArg => Since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The distinct events ingested (all inside <see cref="Since"/>–<see cref="Until"/>).</summary>
    public IReadOnlyList<UsageEvent> Events { get; private set; } = [];

    public string UntilArg => Until.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        var now = DateTimeOffset.UtcNow;
        Until = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
        Since = Until.AddHours(-24);
        var events = TestEvents.Make(Distinct, now);
        Events = events;
        await Folder.SeedAsync(Project, [events, events.Take(3).ToList()], Budgets);
    }

    public async Task DisposeAsync() => await Folder.DisposeAsync();
}
