namespace LensAI;

/// <summary>An OpenAI-compatible server recognized by base URL.</summary>
public sealed class OpenAICompatibleEndpoint
{
    /// <summary>Requests whose URL starts with this base (scheme, host, port and path prefix) are captured.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The provider name to record and to look prices up under (e.g. <c>groq</c>, <c>ollama</c>).</summary>
    public string? Provider { get; set; }

    /// <summary>Whether this server accepts <c>stream_options.include_usage</c> (see <see cref="LensAIOptions.InjectStreamUsage"/>). Default <see langword="false"/>.</summary>
    public bool InjectStreamUsage { get; set; }
}
