using System.Text;
using LensAI.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LensAI.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddLensAI_binds_the_LensAI_section_and_AddHttpClient_captures()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LensAI:MaxBatchSize"] = "42",
            ["LensAI:MaxBatchDelay"] = "00:00:02",
            ["LensAI:OverflowPolicy"] = "DropNewest",
            ["LensAI:ModelAliases:prod-deployment"] = "gpt-4o-mini",
            ["LensAI:DefaultMetadata:env"] = "staging",
            ["LensAI:OpenAICompatibleEndpoints:0:BaseUrl"] = "http://localhost:11434/v1",
            ["LensAI:OpenAICompatibleEndpoints:0:Provider"] = "ollama",
        });
        builder.Services.AddLensAI(o => o.InjectStreamUsage = false);
        builder.Services.AddHttpClient("llm").AddLensAI()
            .ConfigurePrimaryHttpMessageHandler(() => StubHandler.Returning(Fixtures.Bytes("openai/chat-completion-basic.json"), "application/json"));
        using var host = builder.Build();
        await host.StartAsync();

        var lens = host.Services.GetRequiredService<LensAIClient>();
        Assert.Equal(42, lens.Options.MaxBatchSize);
        Assert.Equal(TimeSpan.FromSeconds(2), lens.Options.MaxBatchDelay);
        Assert.Equal(OverflowPolicy.DropNewest, lens.Options.OverflowPolicy);
        Assert.False(lens.Options.InjectStreamUsage);
        Assert.Equal("ollama", lens.Options.OpenAICompatibleEndpoints.Single().Provider);

        var events = new List<UsageEvent>();
        lens.Engine.Recorded = events.Add;
        var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("llm");
        using (var response = await http.PostAsync("http://localhost:11434/v1/chat/completions", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            await response.Content.ReadAsByteArrayAsync();
        }

        var e = Assert.Single(events);
        Assert.Equal("ollama", e.Provider);
        Assert.Equal("staging", e.Metadata!["env"]);
        await host.StopAsync();
    }

    [Fact]
    public async Task Invalid_configuration_fails_at_start_naming_the_option()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LensAI:Endpoint"] = "https://ingest.example",
            ["LensAI:QueueCapacity"] = "-1",
        });
        builder.Services.AddLensAI();
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("LensAI:ApiKey", ex.Message);
        Assert.Contains("LensAI:QueueCapacity", ex.Message);
    }
}
