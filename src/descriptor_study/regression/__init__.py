"""The regression study (docs/paper-settings.md, the paper's Figure 9): ridge (RR) and kernel
ridge (KRR) fits of cohesive energies against the number of CUR-selected features.

One module a concern: ``targets`` (cohesive energies), ``models`` (the fits and their
status), ``hyperparameters`` (each model's keys and values per size), ``folds`` (the
cross-validation folds and the prefix fits), ``sweep`` (RMSE against the number of
features), ``search`` (the hyperparameters chosen by cross-validation) and ``table`` (the
best-RMSE table).

- Structure vectors: the sum of a structure's per-atom descriptors (a global representation: its own row).
- Normalisation on the training set: each feature divided by its root-mean-square over
  the training structures (no centring: RR has no intercept, as in the paper); a feature
  whose RMS is zero at working precision (< 10·ε) is left unscaled.
- Targets: cohesive energies t = E − Σ_el N_el·E0_el, E0 from the dataset's isolated
  atoms or from config.
- RR: argmin ‖A c − t‖² + λ‖c‖², by QR of the stacked [A; √λ I] against [t; 0].  Features
  enter in ranking order, so one stacked factor per λ serves every size up to the number of
  rows (its leading blocks, :class:`.folds._RidgePrefixes`).
- KRR: exp(−γ‖Vi − Vj‖²) kernel ridge (scikit-learn's KernelRidge's model); for the sweep the
  squared distances are accumulated feature by feature, one Cholesky factorisation per size;
  in cross-validation one tridiagonalisation of a kernel serves every λ
  (:func:`.search._shifted_solves`).
- Small problems (< SMALL_PROBLEM training structures) run with single-threaded BLAS.
- RMSE per atom: sqrt(mean(((prediction − target)/N_atoms)²)), on train and test.
- Hyperparameters: one set for the whole sweep, as the paper held its values: from config, or
  chosen by 5-fold cross-validation on the training set at the full feature count
  (:func:`.search.cv_grid`, :func:`.search.choose`); optionally chosen
  again at every size (:func:`.search.cross_validate`).  Each sweep row records
  the values it used.
- Every sweep row also has the 5-fold cross-validation error of its own fit on the training set
  (heldout_rmse, in closed form from the fit's factorisation); the best-RMSE table chooses its
  size with it, and reports the test RMSE there: no summary looks at the test set to choose.
- A fit whose solution is numerically unusable (:func:`.models.fit_status`) is a failed row:
  status "failed: <reason>", RMSEs NaN; the figure and the best-RMSE table skip it.
"""
