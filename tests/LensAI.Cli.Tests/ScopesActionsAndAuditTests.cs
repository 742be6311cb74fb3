using System.Text.Json;

namespace LensAI.Cli.Tests;

/// <summary><c>keys create --scope</c>, <c>keys rotate</c>, <c>budgets override|raise|reset</c> and <c>audit</c>.</summary>
public sealed class ScopesActionsAndAuditTests
{
    [Fact]
    public async Task Keys_get_scopes_and_expiry_and_rotate_with_an_overlap_printing_only_the_new_secret()
    {
        await using var folder = new DataFolder();
        var sdk = await folder.RunAsync("keys", "create", "--project", "acme", "--name", "sdk");
        Assert.True(sdk.ExitCode == 0, sdk.ToString());
        var owner = await folder.RunAsync("keys", "create", "--project", "acme", "--name", "owner", "--scope", "read,admin", "--expires-in", "30d");
        Assert.True(owner.ExitCode == 0, owner.ToString());
        var bad = await folder.RunAsync("keys", "create", "--project", "acme", "--scope", "root");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("'root' is not a scope", bad.Err, StringComparison.Ordinal);
        Assert.Equal("", bad.Out);

        var records = await ListAsync(folder);
        Assert.Equal(["ingest"], Scopes(records[0]));
        Assert.Equal(JsonValueKind.Null, records[0].GetProperty("expires").ValueKind);
        Assert.Equal(["read", "admin"], Scopes(records[1]));
        Assert.InRange(records[1].GetProperty("expires").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromDays(29.9), TimeSpan.FromDays(30));

        var oldKey = sdk.Out.Trim();
        var rotated = await folder.RunAsync("keys", "rotate", oldKey, "--overlap", "2h", "--reason", "leaked in a log");
        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        var newKey = rotated.Out.Trim();
        Assert.Matches("^lsk_[a-z0-9]{8}_[a-z0-9]{32}$", newKey);
        Assert.DoesNotContain(oldKey[13..], rotated.Out + rotated.Err, StringComparison.Ordinal);
        records = await ListAsync(folder);
        Assert.Equal(newKey.Substring(4, 8), records[0].GetProperty("rotated_to").GetString());
        Assert.InRange(records[0].GetProperty("expires").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(119), TimeSpan.FromHours(2));
        Assert.Equal(["ingest"], Scopes(records[2]));
        Assert.Contains("rotated to", (await folder.RunAsync("keys", "list")).Out, StringComparison.Ordinal);

        var unknown = await folder.RunAsync("keys", "rotate", "zzzzzzzz");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("No active key", unknown.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Budgets_override_raise_and_reset_need_a_reason_and_show_up_in_the_audit_log()
    {
        await using var folder = new DataFolder();
        Assert.Equal(0, (await folder.RunAsync("keys", "create", "--project", "acme")).ExitCode);
        var path = folder.PathOf("budgets.json");
        await File.WriteAllTextAsync(path, """{ "budgets": [ { "id": "total", "scope": "project", "period": "monthly", "amount_usd": 20, "action": "block" } ] }""");
        Assert.Equal(0, (await folder.RunAsync("budgets", "set", "--project", "acme", "--file", path)).ExitCode);

        var noReason = await folder.RunAsync("budgets", "raise", "--project", "acme", "--budget", "total", "--percent", "10");
        Assert.Equal(2, noReason.ExitCode);
        Assert.Contains("--reason", noReason.Err, StringComparison.Ordinal);
        var both = await folder.RunAsync("budgets", "raise", "--project", "acme", "--budget", "total", "--percent", "10", "--limit", "30", "--reason", "x");
        Assert.Equal(2, both.ExitCode);
        var ghost = await folder.RunAsync("budgets", "reset", "--project", "acme", "--budget", "ghost", "--reason", "x");
        Assert.Equal(1, ghost.ExitCode);
        Assert.Contains("no budget 'ghost'", ghost.Err, StringComparison.Ordinal);

        var raise = await folder.RunAsync("budgets", "raise", "--project", "acme", "--budget", "total", "--limit", "30", "--reason", "launch week");
        Assert.True(raise.ExitCode == 0, raise.ToString());
        Assert.Contains("limit set to 30.00 USD", raise.Out, StringComparison.Ordinal);
        Assert.Contains("$30.00", (await folder.RunAsync("budgets", "list", "--project", "acme")).Out, StringComparison.Ordinal);
        Assert.Equal(0, (await folder.RunAsync("budgets", "override", "--project", "acme", "--budget", "total", "--reason", "incident 7")).ExitCode);
        Assert.Equal(0, (await folder.RunAsync("budgets", "reset", "--project", "acme", "--budget", "total", "--reason", "back to plan")).ExitCode);
        Assert.Contains("$20.00", (await folder.RunAsync("budgets", "list", "--project", "acme")).Out, StringComparison.Ordinal);

        var json = await folder.RunAsync("audit", "--project", "acme", "--kind", "budget", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var entries = json.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(["budget.created", "budget.raise", "budget.override", "budget.reset"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal("launch week", entries[1].GetProperty("reason").GetString());
        Assert.Equal("20.00", entries[1].GetProperty("before").GetProperty("limit_usd").GetString());
        Assert.Equal("30.00", entries[1].GetProperty("after").GetProperty("limit_usd").GetString());
        Assert.StartsWith("cli:", entries[1].GetProperty("actor").GetString(), StringComparison.Ordinal);

        var table = await folder.RunAsync("audit", "--project", "acme");
        Assert.True(table.ExitCode == 0, table.ToString());
        foreach (var text in new[] { "key.created", "budget.raise", "limit_usd: 20.00 → 30.00", "incident 7", "back to plan" })
        {
            Assert.Contains(text, table.Out, StringComparison.Ordinal);
        }

        Assert.Contains("No audit entries", (await folder.RunAsync("audit", "--project", "acme", "--kind", "alert")).Err, StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> ListAsync(DataFolder folder)
    {
        var list = await folder.RunAsync("keys", "list", "--project", "acme", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        return [.. JsonDocument.Parse(list.Out).RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private static List<string> Scopes(JsonElement record) => [.. record.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!)];
}
