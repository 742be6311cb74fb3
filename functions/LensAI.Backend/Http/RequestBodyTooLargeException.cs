namespace LensAI.Backend.Http;

/// <summary>The request body was longer than the endpoint accepts (answered 413).</summary>
internal sealed class RequestBodyTooLargeException() : Exception("The request body is too large.");
