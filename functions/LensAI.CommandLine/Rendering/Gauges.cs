using Spectre.Console;
using Spectre.Console.Rendering;

namespace LensAI.Cli.Rendering;

/// <summary>Budget gauges in the terminal: a bar of the share of the limit spent, coloured by how close it is.</summary>
internal static class Gauges
{
    public static IRenderable Bar(decimal spent, decimal limit, int width)
    {
        var share = limit > 0 ? (double)(spent / limit) : 0;
        var filled = (int)Math.Round(Math.Clamp(share, 0, 1) * width);
        var colour = share >= 1 ? "red" : share >= 0.75 ? "yellow" : "green";
        return new Markup($"[{colour}]{new string('█', filled)}[/][grey]{new string('░', width - filled)}[/] {Format.Percent(share * 100)}");
    }
}
