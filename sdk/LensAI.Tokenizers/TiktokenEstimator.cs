using System.Text;
using Microsoft.ML.Tokenizers;

namespace LensAI.Tokenizers;

/// <summary>
/// Counts tokens with OpenAI's byte-pair encodings (Microsoft.ML.Tokenizers and its data packages): <c>o200k_base</c>
/// for the GPT-4o, GPT-4.1, GPT-5 and o-series models and for every other provider (Anthropic and Gemini publish no
/// tokenizer: o200k_base is the closest public one), <c>cl100k_base</c> for GPT-4, GPT-3.5 and the
/// <c>text-embedding-3</c>/<c>ada-002</c> embedding models. Thread-safe; the encodings load on first use.
/// </summary>
public sealed class TiktokenEstimator : TokenEstimator
{
    private static readonly Lazy<Tokenizer> s_o200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private static readonly Lazy<Tokenizer> s_cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    /// <summary>The one instance (the encodings are shared).</summary>
    public static TiktokenEstimator Instance { get; } = new();

    private TiktokenEstimator()
    {
    }

    /// <summary><c>tiktoken</c> (the encoding per model is <see cref="EncodingFor"/>).</summary>
    public override string Name => "tiktoken";

    /// <summary>The encoding LensAI uses for <paramref name="model"/>: <c>cl100k_base</c> or <c>o200k_base</c>.</summary>
    public static string EncodingFor(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = model.ToLowerInvariant();
        var slash = name.LastIndexOf('/');
        if (slash >= 0)
        {
            name = name[(slash + 1)..];
        }

        return name.StartsWith("gpt-4o", StringComparison.Ordinal) || name.StartsWith("gpt-4.", StringComparison.Ordinal)
               || !(name.StartsWith("gpt-4", StringComparison.Ordinal) || name.StartsWith("gpt-3.5", StringComparison.Ordinal)
                    || name.StartsWith("text-embedding-3", StringComparison.Ordinal) || name.StartsWith("text-embedding-ada-002", StringComparison.Ordinal))
            ? "o200k_base"
            : "cl100k_base";
    }

    /// <inheritdoc />
    public override int CountTokens(string provider, string model, ReadOnlySpan<byte> utf8Text)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (utf8Text.IsEmpty)
        {
            return 0;
        }

        var tokenizer = EncodingFor(model) == "o200k_base" ? s_o200k.Value : s_cl100k.Value;
        return tokenizer.CountTokens(Encoding.UTF8.GetString(utf8Text));
    }
}
