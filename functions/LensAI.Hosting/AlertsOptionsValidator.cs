using LensAI.Backend.Alerts;
using Microsoft.Extensions.Options;

namespace LensAI.Hosting;

/// <summary>Checks <c>LensAI:Backend:Alerts</c> at start: each configured channel, every message naming its setting.</summary>
internal sealed class AlertsOptionsValidator : IValidateOptions<AlertsOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.GetValidationErrors() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
