namespace LensAI.Capture;

/// <summary>The wire dialect of a provider's usage block; decides how raw counts normalize to <see cref="TokenUsage"/>.</summary>
internal enum UsageDialect : byte
{
    /// <summary>OpenAI Chat Completions and OpenAI-compatible servers: <c>prompt_tokens</c> includes cached tokens.</summary>
    OpenAIChat,

    /// <summary>OpenAI Responses API: <c>input_tokens</c> includes cached tokens.</summary>
    OpenAIResponses,

    /// <summary>OpenAI embeddings: input only.</summary>
    OpenAIEmbeddings,

    /// <summary>Anthropic Messages: <c>input_tokens</c> excludes cache reads and writes.</summary>
    Anthropic,

    /// <summary>Gemini <c>usageMetadata</c>: <c>candidatesTokenCount</c> excludes <c>thoughtsTokenCount</c>.</summary>
    Gemini,
}
