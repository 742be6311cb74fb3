using System.Net;

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

        // The job registry, row by row: name, schedule (the Functions timers' and the scheduler's) and when.
        var list = await folder.RunAsync("jobs", "list");
        var rows = list.Out.Split('\n');
        foreach (var job in LensAI.Backend.Jobs.JobRegistry.All)
        {
            var row = Assert.Single(rows, r => r.StartsWith($"│ {job.Name} ", StringComparison.Ordinal));
            Assert.Contains(job.Schedule, row, StringComparison.Ordinal);
            Assert.Contains(job.Name == "stripe-sync" ? "not configured" : job.When, row, StringComparison.Ordinal); // no Stripe settings here
        }

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
        Assert.Equal(0, (await folder.RunAsync("keys", "create", "--project", "acme")).ExitCode);
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
        // Each command on its own line of the Commands section (the description mentions most of the words too).
        var commands = help.Out[help.Out.IndexOf("Commands:", StringComparison.Ordinal)..].Split('\n').Skip(1)
            .Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(["serve", "keys", "budgets", "report", "query", "export", "jobs", "audit"], commands);

        var version = await folder.RunAsync("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Out);
    }

    [Fact]
    public async Task Serve_answers_healthz_on_a_free_port_until_cancelled()
    {
        await using var folder = new DataFolder();
        var url = $"http://127.0.0.1:{LensAI.Testing.LoopbackPort.Free()}";
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var serving = Cli.RunAsync(["serve", "--urls", url, "--no-jobs", "--data", folder.Data, "--config", $"LensAI:Backend:WorkDirectory={folder.Work}"], stdout, stderr, stop.Token);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode? status = null;
            while (status != HttpStatusCode.OK)
            {
                if (serving.IsCompleted)
                {
                    Assert.Fail($"serve ended early: exit {await serving}\n{stderr}");
                }

                Assert.True(DateTime.UtcNow < deadline, $"no answer from {url}/healthz within 60 s\n{stdout}\n{stderr}");
                try
                {
                    using var response = await http.GetAsync(url + "/healthz");
                    status = response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(50); // not listening yet: poll again
                }
            }
        }
        finally
        {
            stop.Cancel();
        }

        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"listening on {url}", stdout.ToString());
        Assert.Contains("no scheduled jobs", stdout.ToString());
    }

    [Fact]
    public async Task A_data_folder_that_does_not_exist_is_a_usage_error_naming_it()
    {
        await using var folder = new DataFolder();
        var missing = folder.PathOf("nowhere");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync(["report", "--project", "acme", "--data", missing], stdout, stderr);
        Assert.True(code == 2, stderr.ToString());
        Assert.Contains($"No LensAI data at '{missing}'", stderr.ToString());
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public async Task Unusable_configuration_is_a_usage_error_naming_the_setting()
    {
        await using var folder = new DataFolder();
        var s3 = await folder.RunAsync("keys", "list", "--config", "LensAI:Backend:Storage:Kind=S3");
        Assert.Equal(2, s3.ExitCode);
        Assert.Contains("Storage:S3:Bucket is required", s3.Err);

        var malformed = await folder.RunAsync("keys", "list", "--config", "Kind");
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("--config 'Kind' is not KEY=VALUE", malformed.Err);
    }

    [Fact]
    public async Task Unknown_jobs_name_the_jobs_there_are()
    {
        await using var folder = new DataFolder();
        var run = await folder.RunAsync("jobs", "run", "vacuum");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("vacuum", run.Err);
        Assert.Contains("budget-check", run.Err);
    }
}
