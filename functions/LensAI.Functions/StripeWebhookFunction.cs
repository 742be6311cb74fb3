using LensAI.Backend.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LensAI.Functions;

/// <summary><c>POST /v1/stripe/webhook</c> (Stripe's own signature is the check).</summary>
internal sealed class StripeWebhookFunction(StripeWebhookEndpoint endpoint)
{
    [Function("stripe-webhook")]
    public Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = LensAIRoutes.StripeWebhook)] HttpRequest request)
        => endpoint.PostAsync(request.HttpContext);
}
