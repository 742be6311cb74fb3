namespace LensAI.Cli.Tests;

/// <summary>Where the tool's data comes from: --data over --config, a mistyped folder is an error (not a new empty store), day-boundary exports.</summary>
public sealed class StorageOptionTests(SeededProject seeded) : IClassFixture<SeededProject>
{
    [Fact]
    public async Task Data_wins_over_a_config_local_path()
    {
        await using var folder = new DataFolder();
        var other = folder.PathOf("from-config");
        var run = await folder.RunAsync("keys", "create", "--project", "acme", "--config", $"LensAI:Backend:Storage:LocalPath={other}");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.NotEmpty(Directory.GetFiles(folder.Data, "api-keys.json", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(other), "--config's LocalPath was used although --data was given.");
    }

    [Theory]
    [InlineData("keys", "list")]
    [InlineData("keys", "revoke", "abcd1234")]
    [InlineData("jobs", "run", "rollups")]
    [InlineData("report", "--project", "acme")]
    public async Task A_data_folder_that_does_not_exist_is_exit_2_and_is_not_created(params string[] command)
    {
        await using var folder = new DataFolder("typo");
        var run = await folder.RunAsync(command);
        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains($"No LensAI data at '{folder.Data}'", run.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder.Data), "the mistyped folder was created");
    }

    [Fact]
    public async Task A_bad_setting_is_a_usage_error_that_names_it()
    {
        await using var folder = new DataFolder();
        Assert.Equal(0, (await folder.RunAsync("keys", "create", "--project", "acme")).ExitCode);
        var run = await folder.RunAsync("keys", "list", "--config", "LensAI:Backend:RateLimitPerSecond=0");
        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains("Configuration: LensAI:Backend:RateLimitPerSecond must be a positive number; got 0.", run.Err, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task Export_until_the_start_of_a_day_that_has_parts_exports_the_days_before_and_does_not_fail()
    {
        // The seeded events reach into today; --until today's date is exclusive, so today's parts hold no rows in range.
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var output = seeded.Folder.PathOf("export-until-" + Guid.NewGuid().ToString("N")[..6]);
        var run = await seeded.Folder.RunAsync("export", "--project", SeededProject.Project, "--since", "30d", "--until", today, "--out", output);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(Directory.Exists(Path.Combine(output, $"project={SeededProject.Project}", $"dt={today}")), "a folder for the excluded day was written");
    }
}
