import { describeMethodConformance } from '@crossedit/testing';
import kn from './index.js';

describeMethodConformance(kn);
