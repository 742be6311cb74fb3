namespace LensAI.Capture;

/// <summary>What LensAI reads from a request body: the requested model, whether it streams, its output cap.</summary>
internal struct RequestInfo
{
    public string? Model;
    public bool Stream;
    public bool HasStreamOptions;
    public int? MaxOutputTokens;
    public int BodyBytes;
}
