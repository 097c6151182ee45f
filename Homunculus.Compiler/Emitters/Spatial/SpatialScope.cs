using System.Collections.Generic;
using System.Linq;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Emitters.Spatial;

/// <summary>
/// Where one model's code in a Spatial program gets its inputs and puts its class: the folder of its weight files,
/// the expression of each feature's value (its ArgIn, or in a schedule an earlier model's class) and the register its
/// class goes to. A program of one model reads its ArgIns and writes <c>result</c> (<see cref="Of"/>).
/// </summary>
/// <param name="Values">Per feature of the model (its own order), the expression of the field value.</param>
internal sealed record SpatialScope(string Weights, IReadOnlyList<string> Values, string Result)
{
    public static SpatialScope Of(ModelFile model) =>
        new(SpatialEmitter.WeightsFolder, model.Features.Select(f => SpatialEmitter.Field(f) + ".value").ToList(), "result");

    public string WeightsPath(int layer) => $"{Weights}/l{layer}_weights.csv";

    public string BiasesPath(int layer) => $"{Weights}/l{layer}_biases.csv";
}
