using LensAI.Backend;
using LensAI.Testing;
using Microsoft.Extensions.Configuration;

namespace LensAI.Docs.Tests;

public sealed class ConfigurationReferenceTests
{
    private static readonly string Page = RepositoryPaths.Combine("docs", "configuration.md");

    [Fact]
    public void The_reference_lists_every_option_with_its_current_default_and_description()
    {
        var rendered = ConfigurationReference.Render();
        var text = File.ReadAllText(Page).ReplaceLineEndings("\n");
        var begin = text.IndexOf(ConfigurationReference.Begin, StringComparison.Ordinal);
        var end = text.IndexOf(ConfigurationReference.End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"docs/configuration.md has no generated section ({ConfigurationReference.Begin} … {ConfigurationReference.End}).");
        var current = text[begin..(end + ConfigurationReference.End.Length)];
        if (current == rendered.ReplaceLineEndings("\n"))
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("LENSAI_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(Page, text[..begin] + rendered.ReplaceLineEndings("\n") + text[(end + ConfigurationReference.End.Length)..]);
            return;
        }

        Assert.Fail("docs/configuration.md is out of date with the options classes. Run: LENSAI_UPDATE_DOCS=1 dotnet test tests/LensAI.Docs.Tests --filter ConfigurationReference\n" +
            "First difference near: " + FirstDifference(current, rendered.ReplaceLineEndings("\n")));
    }

    [Fact]
    public void Every_options_property_has_a_description()
    {
        var skip = ConfigurationReference.Roots().Select(r => r.Type).ToHashSet();
        var undocumented = ConfigurationReference.Roots()
            .SelectMany(r => ConfigurationReference.Rows(r.Type, Activator.CreateInstance(r.Type), r.Section, skip, 0))
            .Where(row => row.Description.Length == 0)
            .Select(row => row.Key)
            .ToList();
        Assert.True(undocumented.Count == 0, "Options without an XML <summary>: " + string.Join(", ", undocumented));
    }

    [Fact]
    public void Documented_keys_bind_through_configuration_and_environment_variables()
    {
        // A scalar key from each backend section, set as an environment-variable-shaped key, reaches the options.
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ConfigurationReference.EnvironmentVariable("LensAI:Backend:RateLimitPerSecond").Replace("__", ":", StringComparison.Ordinal)] = "7",
            ["LensAI:Backend:StorageRetryAfter"] = "00:00:09",
            ["LensAI:Backend:Storage:LocalPath"] = "/data/lensai",
        }).Build();
        var options = new BackendOptions();
        config.GetSection(BackendOptions.SectionName).Bind(options);
        Assert.Equal(7, options.RateLimitPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(9), options.StorageRetryAfter);
        Assert.Equal("/data/lensai", options.Storage.LocalPath);

        var sdk = new LensAIOptions();
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LensAI:MaxBatchDelay"] = "00:00:01",
            ["LensAI:OpenAICompatibleEndpoints:0:BaseUrl"] = "http://127.0.0.1:11434/v1",
            ["LensAI:OpenAICompatibleEndpoints:0:Provider"] = "ollama",
            ["LensAI:ModelAliases:prod-gpt"] = "gpt-4o",
        }).Build().GetSection(LensAIOptions.SectionName).Bind(sdk);
        Assert.Equal(TimeSpan.FromSeconds(1), sdk.MaxBatchDelay);
        Assert.Equal("ollama", Assert.Single(sdk.OpenAICompatibleEndpoints).Provider);
        Assert.Equal("gpt-4o", sdk.ModelAliases["prod-gpt"]);

        // And those keys are in the reference.
        var reference = ConfigurationReference.Render();
        foreach (var key in new[] { "LensAI:Backend:RateLimitPerSecond", "LensAI:Backend:Storage:LocalPath", "LensAI:MaxBatchDelay", "LensAI:OpenAICompatibleEndpoints:<n>:Provider", "LensAI:ModelAliases:<name>" })
        {
            Assert.Contains($"`{key}`", reference, StringComparison.Ordinal);
        }
    }

    private static string FirstDifference(string a, string b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
        {
            i++;
        }

        var start = Math.Max(0, i - 80);
        return $"\n  doc:      …{a[start..Math.Min(a.Length, i + 80)]}…\n  expected: …{b[start..Math.Min(b.Length, i + 80)]}…";
    }
}
