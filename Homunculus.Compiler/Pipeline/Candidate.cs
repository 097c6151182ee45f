using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Training;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Pipeline;

/// <summary>
/// One trained model considered for the program: its model file, its quality as a float model and as
/// the integer model the switch runs (computed by the reference interpreter), and its estimated cost.
/// </summary>
public sealed record Candidate(
    ModelFile Model,
    Metrics FloatValidation,
    Metrics FixedValidation,
    Metrics FloatTest,
    Metrics FixedTest,
    IReadOnlyList<ResourceFigure> Figures)
{
    public string Algorithm => Model.Algorithm;

    public bool Feasible => Figures.All(f => f.Fits);

    public static Metrics Evaluate(ModelFile model, Dataset data)
    {
        var predictions = new int[data.Rows];
        for (int r = 0; r < data.Rows; r++) predictions[r] = ReferenceInterpreter.Predict(model, data.Row(r));
        return Metrics.Compute(data.Classes, predictions, model.Classes.Count);
    }
}
