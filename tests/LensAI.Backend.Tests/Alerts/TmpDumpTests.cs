using LensAI.Backend.Alerts;
namespace LensAI.Backend.Tests.Alerts;
public sealed class TmpDumpTests
{
    [Fact]
    public async Task Dump()
    {
        File.WriteAllBytes("/tmp/slack-alert.json", SlackMessages.BuildAlert(DeliveryTestSupport.SampleAlert()));
        File.WriteAllBytes("/tmp/webhook.json", WebhookClient.BuildPayload(DeliveryTestSupport.SampleAlert()));
        await using var server = await RecordingServer.StartAsync(async (ctx, _, _) => { try { await Task.Delay(Timeout.Infinite, ctx.RequestAborted); } catch (OperationCanceledException) { } });
        using var client = new SlackClient(new SlackOptions { WebhookUrl = server.BaseAddress + "x", Retry = new DeliveryRetryOptions { AttemptTimeout = TimeSpan.FromMilliseconds(250), TotalTimeout = TimeSpan.FromSeconds(1), BaseDelay = TimeSpan.FromMilliseconds(10) } });
        var r = await client.SendAsync(DeliveryTestSupport.SampleAlert());
        File.WriteAllText("/tmp/timeout.txt", r.ToString());
    }
}
