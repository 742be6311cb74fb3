using LensAI.Backend.Billing;
using Microsoft.Extensions.Options;

namespace LensAI.Hosting;

/// <summary>
/// Checks <c>LensAI:Backend:Stripe</c> at start once Stripe is configured (a key and a meter event name): every
/// message names its setting. Without them the usage sync is off and nothing is checked.
/// </summary>
internal sealed class StripeOptionsValidator : IValidateOptions<StripeOptions>
{
    public ValidateOptionsResult Validate(string? name, StripeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.IsConfigured && options.GetValidationErrors() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
