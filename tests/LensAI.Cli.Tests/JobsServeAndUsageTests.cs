using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace LensAI.Cli.Tests;

public sealed class JobsServeAndUsageTests
{
    [Fact]
    public async Task Jobs_run_rollups_exits_0_and_the_report_reads_the_stored_rollups_the_same()
    {
        await using var folder = new DataFolder();
        await folder.SeedAsync("acme", [TestEvents.Make(12, DateTimeOffset.UtcNow)]);
        var before = await folder.RunAsync("query", "--project", "acme", "SELECT sum(requests) AS n, sum(cost_usd) AS c FROM rollups WHERE grain = 'hour' AND dimension = 'all'", "--format", "csv");

        var run = await folder.RunAsync("jobs", "run", "rollups");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("rollups", run.Out);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(folder.Data, "rollups"), "*.parquet", SearchOption.AllDirectories));

        var after = await folder.RunAsync("query", "--project", "acme", "SELECT sum(requests) AS n, sum(cost_usd) AS c FROM rollups WHERE grain = 'hour' AND dimension = 'all'", "--format", "csv");
        Assert.Equal(before.Out, after.Out);
        Assert.StartsWith("n,c\n12,", after.Out.ReplaceLineEndings("\n"));

        var list = await folder.RunAsync("jobs", "list");
        Assert.Contains("budget-check", list.Out);
        Assert.Contains("not configured", list.Out); // stripe-sync without Stripe settings

        var stripe = await folder.RunAsync("jobs", "run", "stripe-sync");
        Assert.Equal(1, stripe.ExitCode);
        Assert.Contains("LensAI:Backend:Stripe:ApiKey", stripe.Err);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("keys", "rotate")]
    [InlineData("jobs", "run", "vacuum")]
    [InlineData("report")]
    [InlineData("report", "--project", "acme", "--since", "yesterday")]
    [InlineData("report", "--project", "acme", "--by", "colour")]
    [InlineData("query", "--project", "acme", "SELECT 1", "--format", "xml")]
    [InlineData("export", "--project", "acme", "--format", "xlsx")]
    [InlineData("query", "--project", "acme")]
    public async Task A_wrong_command_line_prints_usage_and_exits_2(params string[] args)
    {
        await using var folder = new DataFolder();
        var run = await folder.RunAsync(args);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("Usage:", run.Err);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task A_bad_date_names_the_option_and_the_accepted_forms()
    {
        await using var folder = new DataFolder();
        var run = await folder.RunAsync("report", "--project", "acme", "--since", "last tuesday");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--since 'last tuesday' is not a time", run.Err);
        Assert.Contains("7d", run.Err);
    }

    [Fact]
    public async Task A_missing_project_is_a_usage_error_that_says_so()
    {
        await using var folder = new DataFolder();
        var run = await folder.RunAsync("report", "--project", "ghost");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Project 'ghost' not found", run.Err);
        Assert.Contains("lensai report --help", run.Err);
    }

    [Fact]
    public async Task A_range_in_the_wrong_order_is_a_usage_error()
    {
        await using var folder = new DataFolder();
        await folder.SeedAsync("acme", [TestEvents.Make(1, DateTimeOffset.UtcNow)]);
        var run = await folder.RunAsync("report", "--project", "acme", "--since", "1h", "--until", "2d");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("must be before --until", run.Err);
    }

    [Fact]
    public async Task Help_and_version_exit_0()
    {
        await using var folder = new DataFolder();
        var help = await folder.RunAsync("--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var command in new[] { "serve", "keys", "budgets", "report", "query", "export", "jobs" })
        {
            Assert.Contains(command, help.Out);
        }

        var version = await folder.RunAsync("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Out);
    }

    [Fact]
    public async Task Serve_answers_on_loopback_until_cancelled()
    {
        await using var folder = new DataFolder();
        using var stdout = new SignallingWriter(@"listening on (http://127\.0\.0\.1:\d+)");
        using var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var serving = Cli.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--no-jobs", "--data", folder.Data, "--config", $"LensAI:Backend:WorkDirectory={folder.Work}"], stdout, stderr, stop.Token);
        var url = await stdout.Matched.WaitAsync(TimeSpan.FromSeconds(60));

        using var http = new HttpClient();
        using var response = await http.GetAsync(url + "/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        stop.Cancel();
        Assert.Equal(0, await serving);
        Assert.Contains("no scheduled jobs", stdout.ToString());
    }

    /// <summary>A StringWriter that completes a task with the first capture of a pattern once it has been written.</summary>
    private sealed class SignallingWriter(string pattern) : StringWriter
    {
        private readonly TaskCompletionSource<string> _matched = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Matched => _matched.Task;

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            Check();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            base.Write(buffer, index, count);
            Check();
        }

        private void Check()
        {
            var match = Regex.Match(ToString(), pattern);
            if (match.Success)
            {
                _matched.TrySetResult(match.Groups[1].Value);
            }
        }
    }
}
