using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

/// <summary><c>POST /v1/slack/actions</c> (Slack's own signature is the check).</summary>
internal sealed class SlackActionsFunction(SlackActionEndpoint endpoint)
{
    [Function("slack-actions")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = LensAIRoutes.SlackActions)] HttpRequest request)
        => endpoint.PostAsync(request.HttpContext);
}
