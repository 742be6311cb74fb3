using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using LensAI.Testing;
using Microsoft.Extensions.Configuration;

namespace LensAI.Docs.Tests;

/// <summary>The function app's commands in docs/ingest-api.md, docs/budgets.md and docs/deployment.md, run as written.</summary>
public sealed class BackendCommandTests
{
    [Fact]
    public async Task Ingest_api_keys_commands_create_list_and_revoke_a_hashed_key()
    {
        using var folder = new TempFolder("lensai-docs-keys");
        var commands = DocCommands.Lines("docs/ingest-api.md", "keys");
        Assert.Equal(3, commands.Count);

        var create = await Run(commands[0], folder.Path);
        var key = create.StandardOutput.Trim();
        Assert.Matches("^lsk_[a-z0-9]{8}_[A-Za-z0-9]{32}$", key);
        var prefix = key.Split('_')[1];

        var list = await Run(commands[1], folder.Path);
        Assert.Contains(prefix, list.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("acme", list.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("active", list.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(key, list.StandardOutput, StringComparison.Ordinal);

        // Only the hash is stored, under the documented default data folder of the working directory.
        var stored = Directory.GetFiles(Path.Combine(folder.Path, ".lensai", "data"), "api-keys.json", SearchOption.AllDirectories);
        var file = File.ReadAllText(Assert.Single(stored));
        Assert.DoesNotContain(key.Split('_')[2], file, StringComparison.Ordinal);

        var revoke = await Run(commands[2].Replace("<prefix>", prefix, StringComparison.Ordinal), folder.Path);
        Assert.Contains($"Revoked {prefix}", revoke.StandardError, StringComparison.Ordinal);
        Assert.Contains("revoked", (await Run(commands[1], folder.Path)).StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Budgets_commands_set_list_and_put_the_documented_file()
    {
        using var folder = new TempFolder("lensai-docs-budgets");
        File.WriteAllText(Path.Combine(folder.Path, "budgets.json"), JsonBlockAfter("docs/budgets.md", "budgets"));
        var commands = DocCommands.Lines("docs/budgets.md", "budgets");
        Assert.Equal(4, commands.Count);

        Assert.StartsWith("lsk_", (await Run(commands[0], folder.Path)).StandardOutput, StringComparison.Ordinal);
        var set = await Run(commands[1], folder.Path);
        Assert.Contains("Set 5 budget(s) and a default per-user budget for 'acme'", set.StandardError, StringComparison.Ordinal);
        var list = await Run(commands[2], folder.Path);
        using (var listed = JsonDocument.Parse(list.StandardOutput))
        {
            Assert.Equal(5, listed.RootElement.GetProperty("budgets").GetArrayLength());
            Assert.Equal("Europe/Berlin", listed.RootElement.GetProperty("time_zone").GetString());
        }

        // The curl line, as written, against the real app on a free loopback port instead of 5080.
        await using var backend = await TestBackend.StartAsync();
        var key = await backend.CreateKeyAsync("acme");
        var curl = commands[3].Replace("http://127.0.0.1:5080/", backend.BaseAddress.AbsoluteUri, StringComparison.Ordinal);
        var put = await ProcessRunner.RunAsync("bash", ["-c", curl + " --fail-with-body --silent --show-error"], folder.Path, TimeSpan.FromSeconds(30), new Dictionary<string, string?> { ["LENSAI_API_KEY"] = key });
        Assert.True(put.ExitCode == 0, put.Describe());
        using var http = backend.Client(key);
        using var stored = JsonDocument.Parse(await http.GetStringAsync(new Uri("v1/budgets", UriKind.Relative)));
        Assert.Equal(5, stored.RootElement.GetProperty("budgets").GetArrayLength());
    }

    [Fact]
    public async Task Deployment_local_commands_serve_on_the_given_urls_and_storage()
    {
        var commands = DocCommands.Lines("docs/deployment.md", "local");
        Assert.Equal(2, commands.Count);

        // 1: the defaults (data in ./.lensai/data); the port is a free one instead of 5080 so tests never collide.
        using var first = new TempFolder("lensai-docs-serve");
        var port = LoopbackPort.Free();
        await ServeUntilHealthy([.. BackendProcess.ServerArguments(commands[0]), "--urls", $"http://127.0.0.1:{port}"], first.Path, port, Path.Combine(first.Path, ".lensai", "data"));

        // 2: --urls and a storage folder; the documented 0.0.0.0:8080 becomes 127.0.0.1:<free>, /var/lib/lensai a temp folder.
        using var second = new TempFolder("lensai-docs-serve");
        port = LoopbackPort.Free();
        var data = Path.Combine(second.Path, "var-lib-lensai");
        var arguments = BackendProcess.ServerArguments(commands[1]).Select(a => a switch
        {
            "http://0.0.0.0:8080" => $"http://127.0.0.1:{port}",
            "/var/lib/lensai" => data,
            _ => a,
        }).ToList();
        Assert.Contains(data, arguments);
        await ServeUntilHealthy(arguments, second.Path, port, data);
    }

    [Fact]
    public void Deployment_azure_settings_are_real_configuration_keys()
    {
        var lines = DocCommands.Lines("docs/deployment.md", "azure");
        Assert.Contains(lines, l => l.StartsWith("az functionapp create", StringComparison.Ordinal) && l.Contains("--runtime dotnet-isolated", StringComparison.Ordinal) && l.Contains("--os-type Linux", StringComparison.Ordinal));
        var settings = lines.Single(l => l.StartsWith("az functionapp config appsettings set", StringComparison.Ordinal));
        var pairs = settings[(settings.IndexOf("--settings", StringComparison.Ordinal) + "--settings".Length)..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToList();
        Assert.NotEmpty(pairs);
        var reference = ConfigurationReference.Render();
        foreach (var pair in pairs)
        {
            var key = pair[0].Replace("__", ":", StringComparison.Ordinal);
            Assert.True(reference.Contains($"`{key}`", StringComparison.Ordinal), $"docs/deployment.md sets {pair[0]}, which is no configuration key.");
        }

        // The settings bind and validate: Azure Blob with a managed identity needs exactly these.
        var options = new LensAI.Backend.BackendOptions();
        new ConfigurationBuilder()
            .AddInMemoryCollection(pairs.ToDictionary(p => p[0].Replace("__", ":", StringComparison.Ordinal), p => (string?)p[1]))
            .Build().GetSection(LensAI.Backend.BackendOptions.SectionName).Bind(options);
        Assert.Equal(LensAI.Backend.Storage.ObjectStoreKind.AzureBlob, options.Storage.Kind);
        Assert.Empty(options.Storage.GetValidationErrors());
        Assert.Contains(lines, l => l.Contains("az functionapp deployment source config-zip", StringComparison.Ordinal));
    }

    private static async Task ServeUntilHealthy(List<string> arguments, string workingDirectory, int port, string dataFolder)
    {
        await using var server = await BackendProcess.ServeAsync(arguments, workingDirectory, port);
        Assert.True(Directory.Exists(dataFolder), $"{dataFolder} was not created.");
    }

    private static async Task<ProcessResult> Run(string command, string workingDirectory)
    {
        var result = await BackendProcess.RunServerAsync(BackendProcess.ServerArguments(command), workingDirectory);
        Assert.True(result.ExitCode == 0, result.Describe());
        return result;
    }

    /// <summary>The first ```json block after the command block <paramref name="id"/> (the file the command reads).</summary>
    internal static string JsonBlockAfter(string page, string id)
    {
        var lines = File.ReadAllLines(RepositoryPaths.Combine(page.Split('/')));
        var block = DocCommands.Parse(page).Single(b => b.Id == id);
        var start = Array.FindIndex(lines, block.Line, l => l.Trim() == "```json");
        var end = Array.FindIndex(lines, start + 1, l => l.Trim() == "```");
        return string.Join('\n', lines[(start + 1)..end]);
    }
}
