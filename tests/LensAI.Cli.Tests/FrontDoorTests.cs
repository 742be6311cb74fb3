using System.Text.RegularExpressions;
using LensAI.Testing;

namespace LensAI.Cli.Tests;

/// <summary>
/// One front door for admin: <c>keys</c>, <c>budgets</c> and <c>jobs</c> through the server executable are the
/// <c>lensai</c> tool's own commands — same parser, same output, same exit codes — run here as the two real processes.
/// </summary>
public sealed partial class FrontDoorTests
{
    private const string Budgets = """
        {"time_zone":"UTC","budgets":[
          {"id":"monthly","scope":"project","period":"monthly","amount_usd":50,"action":"block"},
          {"id":"alice","scope":"user","scope_value":"alice","period":"daily","amount_usd":2,"action":"alert","thresholds":[50,100]}
        ]}
        """;

    [Fact]
    public async Task Keys_budgets_and_jobs_print_the_same_through_lensai_and_the_server_executable()
    {
        using var folder = new TempFolder("lensai-front-door");
        File.WriteAllText(folder.Combine("budgets.json"), Budgets);
        var created = await BackendProcess.RunAsync("LensAI.Server", ["keys", "create", "--project", "acme", "--name", "front door"], folder.Path);
        Assert.True(created.ExitCode == 0, created.Describe());
        Assert.Matches("^lsk_[a-z0-9]{8}_[A-Za-z0-9]{32}$", created.StandardOutput.Trim());
        var set = await BackendProcess.RunAsync("LensAI.Server", ["budgets", "set", "--project", "acme", "--file", "budgets.json"], folder.Path);
        Assert.True(set.ExitCode == 0, set.Describe());

        string[][] commands =
        [
            ["keys", "list"],
            ["keys", "list", "--project", "acme", "--json"],
            ["budgets", "list", "--project", "acme"],
            ["budgets", "list", "--project", "acme", "--json"],
            ["jobs", "list"],
            ["jobs", "run", "rollups"],
            ["keys", "create"],                           // usage: --project is required
            ["budgets", "list", "--project", "globex"],   // usage: no such project
            ["jobs", "run", "vacuum"],                    // usage: no such job
            ["keys", "revoke", "zzzzzzzz"],               // failed: no such key
            ["keys", "--help"],
        ];
        foreach (var command in commands)
        {
            var lensai = await BackendProcess.RunAsync("LensAI.Cli", command, folder.Path);
            var server = await BackendProcess.RunAsync("LensAI.Server", command, folder.Path);
            var what = string.Join(' ', command);
            Assert.True(lensai.ExitCode == server.ExitCode, $"{what}: exit {lensai.ExitCode} vs {server.ExitCode}\n{lensai.Describe()}\n{server.Describe()}");
            Assert.Equal(Stable(lensai.StandardOutput), Stable(server.StandardOutput));
            Assert.Equal(Stable(lensai.StandardError), Stable(server.StandardError));
        }
    }

    /// <summary>Output with what differs from run to run (a job's elapsed time) made the same.</summary>
    private static string Stable(string output) => Elapsed().Replace(output, "(… s)");

    [GeneratedRegex(@"\([0-9]+\.[0-9] s\)")]
    private static partial Regex Elapsed();
}
