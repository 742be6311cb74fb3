using LensAI.Testing;

namespace LensAI.Docs.Tests;

/// <summary>The commands in docs/getting-started.md.</summary>
public sealed class GettingStartedTests
{
    [Fact]
    public void The_quickstart_command_is_the_readmes_main_command()
    {
        // The quickstart itself is run by tests/LensAI.Samples.Tests; here: the page shows exactly that command.
        Assert.Equal(DocCommands.Lines("README.md", "setup")[0], DocCommands.Single("docs/getting-started.md", "quickstart"));
    }

    [Fact]
    public async Task The_backend_commands_make_a_key_the_server_then_accepts()
    {
        var commands = DocCommands.Lines("docs/getting-started.md", "backend");
        Assert.Equal(2, commands.Count);
        using var folder = new TempFolder("lensai-docs-start");
        var create = await BackendProcess.RunServerAsync(BackendProcess.ServerArguments(commands[0]), folder.Path);
        Assert.True(create.ExitCode == 0, create.Describe());
        var key = create.StandardOutput.Trim();
        Assert.StartsWith("lsk_", key, StringComparison.Ordinal);

        // The server from the second command (on a free port instead of 5080) takes events with that key.
        var port = LoopbackPort.Free();
        await using var server = await BackendProcess.ServeAsync([.. BackendProcess.ServerArguments(commands[1]), "--urls", $"http://127.0.0.1:{port}"], folder.Path, port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        using (var response = await http.PostAsync(new Uri("v1/events", UriKind.Relative), Batches.Content(Batches.Json([Batches.Event()]))))
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            Assert.Contains("\"accepted\":1", body, StringComparison.Ordinal);
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(folder.Path, ".lensai", "data"), "*.parquet", SearchOption.AllDirectories));
    }
}
