"""The authors' published results, fetched as a pinned input and read into our tidy tables.

One module a concern: ``fetch`` (a file fetched and checked), ``files`` (a file read and
its keys checked), ``names`` (the authors' keys in our names), ``axis`` (the x axis of an
error curve), one reader per study (``dimensionality``, ``regression``, ``sensitivity``)
and ``available`` (what the files hold).

Onat, Ortner & Kermode published the data behind Figures 3-9 as five JSON files in the
GitHub repository ``DescriptorZoo/sensitivity-dimensionality-results`` (folder
``results/``, MIT licence).  :data:`PUBLISHED_FILES` (defined in
:mod:`descriptor_study.pins`) pins them to one commit by git blob sha1 and sha256;
:func:`.fetch.fetch_published` copies one of them, checked, from a mirror directory
(``<mirror>/<file name>``) or downloads it through pooch.

The readers turn the files into the tables the workflow writes for its own results, with
the same column names:

=========================  =============================================================
``curve``                  rank, percent, error (cur, fps) or variance_ratio (pca)
``dimensionality_table``   representation, dataset, rank, percent, error|variance_ratio
``sensitivity``            t, dV
``sensitivity_table``      panel, representation, t, dV
``regression``             n, train_rmse, test_rmse, percent
``regression_table``       representation, dataset, n, train_rmse, test_rmse, percent
``feature_counts``         representation, dataset, n_features, n_nonzero
``available``              method, representation, dataset, points, n_features,
                           denominator, first_rank, last_rank, x_key
=========================  =============================================================

Names.  The facts about each representation (``facts.yaml``) list the top-level keys the
authors' files give it (``published_keys``); those keys map to its name, and the published datasets Si,
CHON, AlNiCu, TiO2 are ours unchanged.  Two kinds of key name a variant.  A key followed
by ``(STD)`` (Figure 6g's standardised MBTR: the sub-key ``Si(STD)`` under the MBTR key in
the CUR file, the key ``MBTR(STD)`` with sub-key ``Si`` in the FPS file) is the class's
standardised variant ``<name>-std`` on that dataset.  A key followed by a dataset in
parentheses, with sub-keys ``<d>th Degree`` (Figure 6h's ACE on AlNiCu in the CUR file;
the RR file names the same sweep after ACE-SHIPs), is the class's degree sweep
``<name>-degree<d>`` on that dataset.  A key no class lists keeps its own name.

What the files hold, read from them and from the authors' scripts in the same repository
(``generate-results/*`` wrote the numbers, ``plot-results/Plot_*_results.py`` drew the
figures from these files):

* CUR and FPS error curves: ``percent`` (x) and ``total`` (the relative error
  ‖X − CUR‖/‖X‖).  x is 100·k/D for the number k of selected features, printed with six
  significant digits, where D is the number of selections the authors' run made (their
  script's ``-c`` option; the file, not the run scripts, tells which).  D is the feature
  count (``feature_num``) for most curves, one less for others (the last column is then
  implied: ACSF on Si 50 of 51, AlNiCu 281 of 282 and CHON 461 of 462; CHSF Si 19, CHSF
  CHON 43, ACE TiO2 29, SOAPlite Si/AlNiCu/TiO2, ACSF-X CHON, MBTR CHON/TiO2).  The
  first point of every curve is drawn at x = 0, whatever its k.  The errors are recorded
  every p-th selection: the authors' CUR script records the error after the first
  selection, after selections 1 + p, 1 + 2p, … and after the last one (ACSF on AlNiCu:
  k = 1, 4, 7, …); some curves stop before D (ACSF AlNiCu at 259 of 281, ACSF-X CHON at
  1638, MBTR CHON at 4951, MBTR TiO2 at 892).

  ``rank`` here is k, derived from the file: D is the first of (``feature_num_reduced``
  for ``percent_reduced``,) ``feature_num``, ``feature_num`` − 1, the number of points
  that turns every x (but the first) into integers k = x·D/100 within the six-digit
  rounding (if none does: the largest D ≤ ``feature_num`` that does); the first point's k
  continues the grid backwards, 2·k₂ − k₃ (this gives k = 1 on every CUR curve but ACSF-X
  CHON, whose grid is 9, 18, 27, …).  ``percent`` is 100·rank/D: the published x at every
  point but the first (which the file puts at 0), and equal to our 100·rank/n where D is
  the number n of non-zero features.  ``as_published=True`` keeps the file's x verbatim.
* ACSF-X on Si and AlNiCu was reduced to its non-zero columns (57 of 195, 544 of 1017);
  ``percent`` there is over the full feature set and ``percent_reduced`` over the reduced
  one.  Ours is over the non-zero columns, so ``percent_reduced`` is read.  On CHON the
  authors ran ACSF-X over all 1644 columns (the paper reduced only Si and AlNiCu; Table I's
  634 non-zero columns appear nowhere in the files).
* FPS: Figure 8 is FPS on CHON only.  Its curves are the ``FPS`` entries of
  FPS_results.json (``[x, error]``, same x convention; MBTR's D is 4972).  The
  ``percent`` and ``total`` entries beside them are CUR curves: the authors' Figure 8
  script draws them as the "CUR" line, and 27 of the file's 29 are identical to
  CUR_results.json (the other two, CHSF TiO2 over 40 and ACE Si over 63 features, match
  no curve there).  ``curve(..., "fps", ...)`` therefore exists for CHON only.
* PCA: ``PCA_variance`` is scikit-learn's ``explained_variance_`` with every component
  kept (n_components = number of columns), so variance_ratio = v/Σv is its
  ``explained_variance_ratio_``, our column.  The authors drew x = 100·(s+1)/len and
  v/(max − min), a rescaling of the same curve.  Lengths: ACSF-X AlNiCu has 1017 values
  (its zero columns included) and MBTR Si 200 for 182 features; QUIP's SOAP appends a
  constant column, so SOAP's counts are 451, 6661, 3781, 1711 (Table I: 450, 6660, 3780,
  1710) and the spectrum has one extra zero-variance component; ACSF-X Si has 195 values
  for 57 non-zero columns.  By default the table keeps the leading n components, n the
  non-zero count of :func:`.dimensionality.feature_counts` (CUR_results.json; without that file the PCA
  file's ``feature_num``, less one for SOAP), after checking that every dropped value is
  below 1e-10 of the largest, and percent = 100·rank/n, as ours (our SOAP drops QUIP's
  constant column and our PCA runs on the non-zero columns).  ``as_published=True``
  keeps every value and the authors' x = 100·rank/len.
* Regression (Figure 9, Si only): ``training_/test_LR+L2_RMSE_eV_atom`` (our rr) and
  ``training_/test_KRR_RMSE_eV_atom`` (krr) hold one value per number of features
  n = 1 … ``feature_num_reduced``, in that order (the authors' plot script draws them at
  x = 1, 2, …).  ``feature_list`` is not a list of feature counts: it is the CUR selection
  order, column indices of the (reduced) matrix, one shorter than the feature count where
  the CUR run made n − 1 selections; :func:`.regression.regression_ranking` returns it with the one
  missing column appended last.  ``percent`` is 100·n/``feature_num_reduced``, ours (the
  authors drew ACSF-X over the full 195 columns, to 29.2 %).  ACE on Si has 63 features
  in the regression (not Table I's 30).  ``LR+L2_params`` and ``KRR_params`` are
  scikit-learn parameters: ``alpha`` is our λ (‖Ac − y‖² + λ‖c‖², K + λI), ``gamma`` our γ.
* Sensitivity (Figures 3-5): ``figure3_dataset`` and ``figure4_dataset`` map each
  representation to ``[t, dV]``, ``figure5_dataset`` to four ``[t, dV]`` panels a-d.  t
  is the angle in degrees (Figure 3: 0-90, 91 integer angles for some representations
  and 90 equally spaced ones for others) or the displacement in Å.  Figure 4 is stored
  unscaled (the figure draws 0.1·dV/max dV).  MBTR is absent from Figure 5, and the
  ACSF-X Figure 5a curve is zero at every t.

A key missing from an entry raises :class:`.files.PublishedDataError` naming the file and the
key; an entry that does not exist at all returns None with ``missing_ok=True``.
"""
