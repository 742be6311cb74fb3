using LensAI;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

internal sealed class LensAIOptionsValidator : IValidateOptions<LensAIOptions>
{
    public ValidateOptionsResult Validate(string? name, LensAIOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
