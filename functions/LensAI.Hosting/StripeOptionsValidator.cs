using LensAI.Backend.Billing;
using Microsoft.Extensions.Options;

namespace LensAI.Hosting;

/// <summary>
/// Checks <c>LensAI:Backend:Stripe</c> at start: the usage sync's settings once it is configured (a key and a meter
/// event name), the subscription webhook's once its secret is set; every message names its setting.
/// </summary>
internal sealed class StripeOptionsValidator : IValidateOptions<StripeOptions>
{
    public ValidateOptionsResult Validate(string? name, StripeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> errors = [.. options.IsConfigured ? options.GetValidationErrors() : [], .. options.IsWebhookConfigured ? options.GetWebhookValidationErrors() : []];
        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
