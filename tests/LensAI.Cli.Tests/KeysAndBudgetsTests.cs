using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LensAI.Cli.Tests;

public sealed class KeysAndBudgetsTests
{
    [Fact]
    public async Task Keys_create_list_revoke_round_trip_prints_the_secret_once_and_never_again()
    {
        await using var folder = new DataFolder();
        var created = await folder.RunAsync("keys", "create", "--project", "acme", "--name", "ci");
        Assert.True(created.ExitCode == 0, created.ToString());
        var key = created.Out.Trim();
        Assert.Matches("^lsk_[a-z0-9]{8}_[a-z0-9]{32}$", key);
        Assert.Single(Regex.Matches(created.Out + created.Err, Regex.Escape(key)));
        var prefix = key.Substring(4, 8);
        var secret = key[13..];
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        Assert.Contains(prefix, created.Err);

        var list = await folder.RunAsync("keys", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains(prefix, list.Out);
        Assert.Contains("acme", list.Out);
        Assert.Contains("active", list.Out);
        foreach (var text in new[] { list.Out, list.Err })
        {
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain(hash, text);
        }

        var json = await folder.RunAsync("keys", "list", "--project", "acme", "--json");
        using (var records = JsonDocument.Parse(json.Out))
        {
            var record = Assert.Single(records.RootElement.EnumerateArray());
            Assert.Equal(prefix, record.GetProperty("prefix").GetString());
            Assert.Equal("ci", record.GetProperty("name").GetString());
            Assert.False(record.TryGetProperty("sha256", out _));
            Assert.DoesNotContain(secret, json.Out);
        }

        var other = await folder.RunAsync("keys", "list", "--project", "other");
        Assert.Equal(0, other.ExitCode);
        Assert.DoesNotContain(prefix, other.Out);

        var revoked = await folder.RunAsync("keys", "revoke", prefix);
        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Contains("revoked", (await folder.RunAsync("keys", "list")).Out);

        var again = await folder.RunAsync("keys", "revoke", prefix);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("No active key", again.Err);
    }

    [Fact]
    public async Task The_secret_is_stored_only_as_its_hash_and_no_other_command_prints_it()
    {
        await using var folder = new DataFolder();
        await folder.SeedAsync("acme", [TestEvents.Make(5, DateTimeOffset.UtcNow)], SeededProject.Budgets);
        var created = await folder.RunAsync("keys", "create", "--project", "acme", "--name", "app");
        Assert.True(created.ExitCode == 0, created.ToString());
        var key = created.Out.Trim();
        var secret = key[13..];
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

        // In storage: the hash, never the key or its secret part.
        var stored = Directory.GetFiles(folder.Data, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".parquet", StringComparison.Ordinal)).Select(File.ReadAllText).ToList();
        Assert.Contains(stored, text => text.Contains(hash, StringComparison.Ordinal));
        Assert.DoesNotContain(stored, text => text.Contains(secret, StringComparison.Ordinal));

        string[][] commands =
        [
            ["keys", "list"], ["keys", "list", "--json"], ["budgets", "list", "--project", "acme"], ["report", "--project", "acme", "--json"],
            ["report", "--project", "acme", "--html", folder.PathOf("r.html")], ["query", "--project", "acme", "SELECT * FROM events", "--format", "json"],
            ["jobs", "run", "budget-check"], ["jobs", "list"], ["export", "--project", "acme", "--out", folder.PathOf("x"), "--format", "csv"], ["--help"],
        ];
        foreach (var args in commands)
        {
            var run = await folder.RunAsync(args);
            Assert.True(run.ExitCode == 0, string.Join(' ', args) + "\n" + run);
            Assert.DoesNotContain(secret, run.Out + run.Err);
            Assert.DoesNotContain(hash, run.Out + run.Err);
        }

        Assert.DoesNotContain(secret, await File.ReadAllTextAsync(folder.PathOf("r.html")));
    }

    [Fact]
    public async Task Keys_create_refuses_a_malformed_project_id_as_usage()
    {
        await using var folder = new DataFolder();
        var run = await folder.RunAsync("keys", "create", "--project", "Not Valid");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("is not a project id", run.Err);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task Budgets_set_with_a_bad_file_exits_1_naming_the_file_and_the_JSON_pointer()
    {
        await using var folder = new DataFolder();
        Assert.Equal(0, (await folder.RunAsync("keys", "create", "--project", "acme")).ExitCode);
        var path = folder.PathOf("budgets.json");
        await File.WriteAllTextAsync(path, """{ "budgets": [ { "id": "total", "scope": "project", "period": "hourly", "amount_usd": 5 } ] }""");

        var bad = await folder.RunAsync("budgets", "set", "--project", "acme", "--file", path);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains($"{path}#/budgets/0/period", bad.Err);
        Assert.Contains("daily, weekly or monthly", bad.Err);
        Assert.Contains("No budgets", (await folder.RunAsync("budgets", "list", "--project", "acme")).Err);

        await File.WriteAllTextAsync(path, """{ "budgets": [ { "id": "total", "scope": "project", "period": "monthly", "amount_usd": 5, "action": "block" } ] }""");
        var good = await folder.RunAsync("budgets", "set", "--project", "acme", "--file", path);
        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Contains("Set 1 budget(s)", good.Err);

        var list = await folder.RunAsync("budgets", "list", "--project", "acme");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("total", list.Out);
        Assert.Contains("monthly", list.Out);
        Assert.Contains("$5.00", list.Out);
        Assert.Contains("ok", list.Out); // the budget check ran after set: $0 spent

        using var json = JsonDocument.Parse((await folder.RunAsync("budgets", "list", "--project", "acme", "--json")).Out);
        Assert.Equal("total", json.RootElement.GetProperty("budgets")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Budgets_of_an_unknown_project_or_a_missing_file_are_usage_errors()
    {
        await using var folder = new DataFolder();
        Assert.Equal(0, (await folder.RunAsync("keys", "create", "--project", "acme")).ExitCode);
        var unknown = await folder.RunAsync("budgets", "list", "--project", "ghost");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Project 'ghost' not found", unknown.Err);

        var missing = await folder.RunAsync("budgets", "set", "--project", "acme", "--file", folder.PathOf("nope.json"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Err);
    }
}
